//! Which CSV export a sniffed header is, for the three CSV readers: csvde ([`is_csvde`]), MSOnline
//! `Export-Csv` ([`msol_kind`]), and the columns only an AD export has ([`AD_MARKERS`], from
//! [`super::ad_attrs`]). The readers' sniffers stay mutually exclusive by asking these tests instead
//! of each other.

use super::ad_attrs::AD_MARKERS;
use super::csv_util::SniffedHeader;

/// True when a sniffed header is a csvde export: no `#TYPE` line, first column `DN` (any case),
/// and an `objectClass` or `objectGUID` column (csvde writes `objectClass` unless `-l` leaves it out).
pub(super) fn is_csvde(h: &SniffedHeader<'_>) -> bool {
    h.type_name.is_none()
        && h.header.names().first().is_some_and(|n| n.eq_ignore_ascii_case("DN"))
        && h.header.has_any(&["objectClass", "objectGUID"])
}

/// Columns only `Get-MsolUser` objects have.
const MSOL_USER_ONLY: &[&str] = &[
    "IsLicensed",
    "BlockCredential",
    "ValidationStatus",
    "LiveId",
    "OverallProvisioningStatus",
    "LastPasswordChangeTimestamp",
    "StrongPasswordRequired",
    "LicenseReconciliationNeeded",
    "StsRefreshTokensValidFrom",
    "SoftDeletionTimestamp",
    "DirSyncProvisioningErrors",
];

/// Sync columns of `Get-MsolUser` (also in AzureAD-module exports).
const SYNC_COLUMNS: &[&str] = &["ImmutableId", "LastDirSyncTime"];

/// Columns of AzureAD-module and Microsoft Graph PowerShell exports, never in MSOnline ones.
const OTHER_CLOUD_MARKERS: &[&str] =
    &["ObjectType", "AccountEnabled", "DirSyncEnabled", "OnPremisesImmutableId", "OnPremisesSyncEnabled"];

/// What a sniffed MSOnline file holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum MsolKind {
    /// Get-MsolUser.
    Users,
    /// Get-MsolDomain.
    Domains,
    /// Get-MsolDomainFederationSettings.
    Federation,
}

/// Classifies a sniffed header: `Some(Ok(kind))` for an MSOnline export this reader reads,
/// `Some(Err(reason))` for a recognised cloud CSV it does not read, `None` for anything else.
pub(super) fn msol_kind(h: &SniffedHeader<'_>) -> Option<Result<MsolKind, String>> {
    let t = h.type_name.unwrap_or("").trim_start_matches("Selected.");
    if let Some(msol_type) = t.strip_prefix("Microsoft.Online.Administration.") {
        return Some(match msol_type {
            "User" => Ok(MsolKind::Users),
            "Domain" => Ok(MsolKind::Domains),
            "DomainFederationSettings" => Ok(MsolKind::Federation),
            other => Err(format!(
                "MSOnline `{other}` export: tenantlint reads only Get-MsolUser, Get-MsolDomain and \
                 Get-MsolDomainFederationSettings exports"
            )),
        });
    }
    if t.starts_with("Microsoft.Open.AzureAD") || t.starts_with("Microsoft.Graph.PowerShell") {
        return Some(Err(other_cloud_reason()));
    }
    let hd = &h.header;
    // `WhenCreated` is a property of MSOnline users too: only the other AD markers exclude MSOnline.
    let strong_ad: Vec<&str> = AD_MARKERS.iter().copied().filter(|m| !m.eq_ignore_ascii_case("whenCreated")).collect();
    if hd.has_any(&strong_ad) {
        return None;
    }
    if hd.has_any(OTHER_CLOUD_MARKERS) {
        return hd.has_any(&["UserPrincipalName", "ObjectId", "Id", "DisplayName"]).then(|| Err(other_cloud_reason()));
    }
    if hd.has("UserPrincipalName") && (hd.has_any(MSOL_USER_ONLY) || hd.has_any(SYNC_COLUMNS)) {
        return Some(Ok(MsolKind::Users));
    }
    if hd.has("Name")
        && hd.has("Authentication")
        && hd.has_any(&["Status", "IsInitial", "IsDefault", "Capabilities", "RootDomain"])
    {
        return Some(Ok(MsolKind::Domains));
    }
    if hd.has("IssuerUri") && hd.has_any(&["PassiveLogOnUri", "ActiveLogOnUri", "LogOffUri", "FederationBrandName"]) {
        return Some(Ok(MsolKind::Federation));
    }
    None
}

fn other_cloud_reason() -> String {
    "CSV export of the AzureAD or Microsoft Graph PowerShell module: not read by tenantlint; export the \
     objects as Microsoft Graph JSON instead (GET /users?$select=id,userPrincipalName,onPremisesImmutableId,...)"
        .to_string()
}
