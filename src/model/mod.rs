//! The normalized estate: typed records that every reader produces and every later stage consumes.
//!
//! Readers never judge data; they fill these records faithfully (an absent attribute stays `None`,
//! an empty multi-value stays empty) and tag each with the [`SourceRef`] it came from. Which tenant
//! or forest a record belongs to is decided after reading (see [`crate::ingest::group`]) and stored
//! as an index into [`Estate::tenants`] / [`Estate::forests`].

pub mod anchor;
pub mod dates;
pub mod list;
pub mod roles;
pub mod text;

use crate::model::text::TrimFast as _;
use crate::source::SourceRef;
use serde::Serialize;
use std::collections::BTreeMap;

pub use anchor::Guid;
pub use dates::{DataDate, ExportSource, ExportTime};

pub use list::List;
pub use text::Text;

/// Index into [`Estate::tenants`].
pub type TenantIdx = u32;
/// Index into [`Estate::forests`].
pub type ForestIdx = u32;

/// Object class of an on-premises AD object (the most specific class of `objectClass`).
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Default)]
#[serde(rename_all = "camelCase")]
pub enum AdClass {
    /// `user`
    #[default]
    User,
    /// `inetOrgPerson` (a user subclass)
    InetOrgPerson,
    /// `group`
    Group,
    /// `contact`
    Contact,
    /// `computer`
    Computer,
    /// Anything else (organizationalUnit, container, msDS-GroupManagedServiceAccount, ...)
    Other(String),
}

impl AdClass {
    /// Classifies the last (most specific) value of `objectClass`, or a Get-ADObject `ObjectClass` column.
    pub fn from_ldap(name: &str) -> Self {
        // Compared in place: this runs once per object read, and a lower-cased copy would be an
        // allocation each time.
        const KNOWN: [(&str, AdClass); 5] = [
            ("user", AdClass::User),
            ("inetOrgPerson", AdClass::InetOrgPerson),
            ("group", AdClass::Group),
            ("contact", AdClass::Contact),
            ("computer", AdClass::Computer),
        ];
        match KNOWN.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)) {
            Some((_, c)) => c.clone(),
            None => Self::Other(name.to_string()),
        }
    }
    /// The LDAP name of the class.
    pub fn as_str(&self) -> &str {
        match self {
            Self::User => "user",
            Self::InetOrgPerson => "inetOrgPerson",
            Self::Group => "group",
            Self::Contact => "contact",
            Self::Computer => "computer",
            Self::Other(s) => s,
        }
    }
}

/// An on-premises Active Directory object (user, group, contact...).
///
/// Attribute names follow LDAP; `None` means the export did not carry the attribute (or it was
/// empty, which AD cannot distinguish), never "unknown because lossy" — lossy columns are reported
/// by the reader and left `None`.
#[derive(Clone, Debug, Default)]
pub struct AdObject {
    /// Where the record starts.
    pub source: SourceRef,
    /// Forest the object belongs to (set by grouping).
    pub forest: ForestIdx,
    /// distinguishedName.
    pub dn: Option<Text>,
    /// cn / Name.
    pub cn: Option<Text>,
    /// Most specific objectClass.
    pub class: AdClass,
    /// objectGUID.
    pub object_guid: Option<Guid>,
    /// ms-DS-ConsistencyGuid raw bytes (normally 16; anything else is kept for the anchor rules).
    pub consistency_guid: Option<List<u8>>,
    /// objectSid in `S-1-5-...` form.
    pub object_sid: Option<Text>,
    /// sIDHistory (SIDs the object held in the domains it was migrated from), `S-1-5-...` form.
    pub sid_history: List<Text>,
    /// What the source did not collect for this object (security tools' collections such as
    /// SharpHound): there an absent value means "not collected", never "empty" or "missing".
    pub not_collected: NotCollected,
    /// userPrincipalName.
    pub upn: Option<Text>,
    /// sAMAccountName.
    pub sam_account_name: Option<Text>,
    /// mail.
    pub mail: Option<Text>,
    /// mailNickname.
    pub mail_nickname: Option<Text>,
    /// proxyAddresses, as exported (prefix included, e.g. `SMTP:a@contoso.com`).
    pub proxy_addresses: List<Text>,
    /// targetAddress.
    pub target_address: Option<Text>,
    /// displayName.
    pub display_name: Option<Text>,
    /// givenName.
    pub given_name: Option<Text>,
    /// sn.
    pub sn: Option<Text>,
    /// employeeID.
    pub employee_id: Option<Text>,
    /// userAccountControl.
    pub user_account_control: Option<u32>,
    /// Number of servicePrincipalName values (the SPNs themselves are not kept): an account with an SPN
    /// runs a service, and renaming it breaks Kerberos to that service.
    pub spn_count: u32,
    /// adminCount (`1`: the account is or was a member of a protected group and AdminSDHolder guards
    /// it — a privileged account).
    pub admin_count: Option<i32>,
    /// Enabled (Get-ADUser) — derived from userAccountControl when only that is present.
    pub enabled: Option<bool>,
    /// isCriticalSystemObject.
    pub is_critical_system_object: Option<bool>,
    /// msExchRecipientTypeDetails.
    pub ms_exch_recipient_type_details: Option<i64>,
    /// msExchHideFromAddressLists.
    pub ms_exch_hide_from_address_lists: Option<bool>,
    /// groupType (signed 32-bit flags as exported; negative = security group).
    pub group_type: Option<i64>,
    /// homeMDB (DN of the mailbox database of an on-premises Exchange mailbox).
    pub home_mdb: Option<Text>,
    /// whenCreated, as exported (ISO-8601 after normalisation when the reader could parse it).
    pub when_created: Option<Text>,
    /// whenChanged, as exported (ISO-8601 after normalisation when the reader could parse it).
    pub when_changed: Option<Text>,
    /// Other attributes kept for account-link rules (`comment`, `description`, `info`,
    /// `extensionAttribute1`–`15`, `employeeNumber`: see [`EXTRA_ATTRIBUTES`]), as `(LDAP name, value)`
    /// with the name spelled as in [`EXTRA_ATTRIBUTES`]; empty values are left out.
    pub extra: List<(Text, Text)>,
}

/// Attribute groups a source did not collect for an AD object ([`AdObject::not_collected`]). Rules
/// that judge an absent value (a missing UPN, a blank displayName, no anchor) skip objects whose
/// source did not collect it, and the report lists what could not be judged
/// ([`crate::rules::coverage`]).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct NotCollected(u8);

impl NotCollected {
    /// objectGUID and ms-DS-ConsistencyGuid: no anchor can be computed.
    pub const ANCHOR: Self = Self(1);
    /// proxyAddresses, mailNickname and targetAddress.
    pub const ADDRESSES: Self = Self(2);
    /// displayName.
    pub const DISPLAY_NAME: Self = Self(4);
    /// userPrincipalName.
    pub const UPN: Self = Self(8);
    /// Every group, with its name (for messages).
    pub const ALL: [(Self, &'static str); 4] = [
        (Self::ANCHOR, "objectGUID / ms-DS-ConsistencyGuid"),
        (Self::ADDRESSES, "proxyAddresses, mailNickname, targetAddress"),
        (Self::DISPLAY_NAME, "displayName"),
        (Self::UPN, "userPrincipalName"),
    ];
    /// Adds `other`.
    pub fn add(&mut self, other: Self) {
        self.0 |= other.0;
    }
    /// Whether every group of `other` was not collected.
    pub fn has(self, other: Self) -> bool {
        self.0 & other.0 == other.0 && other.0 != 0
    }
    /// Whether everything was collected.
    pub fn is_empty(self) -> bool {
        self.0 == 0
    }
}

/// Attributes that readers keep in [`AdObject::extra`] (matched case-insensitively). Free-text
/// attributes that AD FS deployments use to link external identities to AD accounts.
pub const EXTRA_ATTRIBUTES: &[&str] = &[
    "comment",
    "description",
    "info",
    "employeeNumber",
    "extensionAttribute1",
    "extensionAttribute2",
    "extensionAttribute3",
    "extensionAttribute4",
    "extensionAttribute5",
    "extensionAttribute6",
    "extensionAttribute7",
    "extensionAttribute8",
    "extensionAttribute9",
    "extensionAttribute10",
    "extensionAttribute11",
    "extensionAttribute12",
    "extensionAttribute13",
    "extensionAttribute14",
    "extensionAttribute15",
];

/// The [`EXTRA_ATTRIBUTES`] spelling of `name` (case-insensitive), if it is one.
pub fn extra_attribute(name: &str) -> Option<&'static str> {
    EXTRA_ATTRIBUTES.iter().find(|a| a.eq_ignore_ascii_case(name)).copied()
}

impl AdObject {
    /// Whether the export carried what a sync anchor is computed from (objectGUID or
    /// ms-DS-ConsistencyGuid). Without it (SharpHound, an export without those columns) the object's own
    /// SID is its only link to the cloud.
    pub fn has_anchor_material(&self) -> bool {
        self.object_guid.is_some() || self.consistency_guid.is_some()
    }
    /// DNS domain of the object derived from the `DC=` components of its DN (`corp.contoso.com`).
    pub fn dns_domain(&self) -> Option<String> {
        self.dn.as_deref().and_then(dn_to_dns_domain)
    }
    /// The primary SMTP address: the `SMTP:` proxy address, else `mail`.
    pub fn primary_smtp(&self) -> Option<&str> {
        primary_smtp(&self.proxy_addresses).or(self.mail.as_deref())
    }
    /// A human label for reports: displayName, else UPN, else sAMAccountName, else DN.
    pub fn label(&self) -> String {
        self.name().to_string()
    }
    /// [`Self::label`] without the copy.
    pub fn name(&self) -> &str {
        self.display_name
            .as_deref()
            .or(self.upn.as_deref())
            .or(self.sam_account_name.as_deref())
            .or(self.dn.as_deref())
            .or(self.cn.as_deref())
            .unwrap_or("(unnamed object)")
    }
    /// Value of an [`EXTRA_ATTRIBUTES`] attribute (case-insensitive name).
    pub fn extra(&self, name: &str) -> Option<&str> {
        self.extra.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }
}

/// The `SMTP:` (upper case = primary) value of a proxyAddresses list, without the prefix.
pub fn primary_smtp<S: AsRef<str>>(proxy_addresses: &[S]) -> Option<&str> {
    proxy_addresses.iter().find_map(|p| p.as_ref().strip_prefix("SMTP:"))
}

/// `DC=corp,DC=contoso,DC=com` components of a DN joined as a DNS name, lower-cased.
pub fn dn_to_dns_domain(dn: &str) -> Option<String> {
    let mut out = String::new();
    let mut labels = 0;
    for rdn in rdns(dn) {
        let Some((k, v)) = rdn.split_once('=') else { continue };
        if k.trim_fast().eq_ignore_ascii_case("dc") {
            if labels > 0 {
                out.push('.');
            }
            labels += 1;
            out.extend(v.trim_fast().chars().map(|c| c.to_ascii_lowercase()));
        }
    }
    (labels > 0).then_some(out)
}

/// The part of a DN from its first `DC=` component on (`DC=corp,DC=contoso,DC=com`), which holds
/// every `DC=` component: [`dn_to_dns_domain`] gives the same domain for it as for the whole DN.
pub fn dc_tail(dn: &str) -> Option<&str> {
    let first =
        rdns(dn).find(|rdn| rdn.split_once('=').is_some_and(|(k, _)| k.trim_fast().eq_ignore_ascii_case("dc")))?;
    // `rdns` yields slices of `dn`.
    let at = first.as_ptr() as usize - dn.as_ptr() as usize;
    dn.get(at..)
}

/// Splits a DN into RDNs on unescaped commas.
pub fn split_dn(dn: &str) -> Vec<&str> {
    rdns(dn).collect()
}

/// The RDNs of a DN (split on unescaped commas, each trimmed), without collecting them.
pub fn rdns(dn: &str) -> impl Iterator<Item = &str> {
    let b = dn.as_bytes();
    let mut start = 0;
    let mut i = 0;
    std::iter::from_fn(move || {
        while i < b.len() {
            match b[i] {
                // An escaped byte is never a separator (ASCII bytes never occur inside a multi-byte character).
                b'\\' => i += 2,
                b',' => {
                    let rdn = dn[start..i].trim_fast();
                    i += 1;
                    start = i;
                    return Some(rdn);
                }
                _ => i += 1,
            }
        }
        if start < b.len() {
            let rdn = dn[start..].trim_fast();
            start = b.len();
            return Some(rdn);
        }
        None
    })
}

/// Kind of a directory (cloud) object.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Default)]
#[serde(rename_all = "camelCase")]
pub enum CloudKind {
    /// user
    #[default]
    User,
    /// group
    Group,
    /// orgContact
    Contact,
}

impl CloudKind {
    /// Name used in reports.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::User => "user",
            Self::Group => "group",
            Self::Contact => "contact",
        }
    }
}

/// An entry of a cloud user's `identities` collection.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Identity {
    /// signInType (`userPrincipalName`, `federated`, `emailAddress`...).
    pub sign_in_type: Option<Text>,
    /// issuer (`MicrosoftAccount`, `ExternalAzureAD`, `mail`, a domain...).
    pub issuer: Option<Text>,
    /// issuerAssignedId.
    pub issuer_assigned_id: Option<Text>,
}

/// An entry of `onPremisesProvisioningErrors` (Graph) / `DirSyncProvisioningErrors` (MSOnline): why
/// directory synchronisation could not write the object.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ProvisioningError {
    /// category (`PropertyConflict`...).
    pub category: Option<Text>,
    /// propertyCausingError (`UserPrincipalName`, `ProxyAddress`...).
    pub property: Option<Text>,
    /// value (the conflicting value).
    pub value: Option<Text>,
    /// occurredDateTime.
    pub occurred: Option<Text>,
}

/// A user, group or contact in a directory tenant (Microsoft Graph, MSOnline or Azure AD Graph).
#[derive(Clone, Debug, Default)]
pub struct CloudObject {
    /// Where the record starts.
    pub source: SourceRef,
    /// Tenant (set by grouping).
    pub tenant: TenantIdx,
    /// user / group / contact.
    pub kind: CloudKind,
    /// Directory object id (GUID text, lower case).
    pub id: Option<Text>,
    /// displayName.
    pub display_name: Option<Text>,
    /// userPrincipalName.
    pub upn: Option<Text>,
    /// mail.
    pub mail: Option<Text>,
    /// mailNickname.
    pub mail_nickname: Option<Text>,
    /// givenName.
    pub given_name: Option<Text>,
    /// surname.
    pub surname: Option<Text>,
    /// proxyAddresses (prefix included).
    pub proxy_addresses: List<Text>,
    /// otherMails.
    pub other_mails: List<Text>,
    /// onPremisesImmutableId (MSOnline ImmutableId, AAD Graph immutableId).
    pub immutable_id: Option<Text>,
    /// onPremisesSyncEnabled: true = synced, false = was synced, None = never synced (or not exported).
    pub on_prem_sync_enabled: Option<bool>,
    /// onPremisesLastSyncDateTime (ISO-8601).
    pub on_prem_last_sync: Option<Text>,
    /// onPremisesSamAccountName.
    pub on_prem_sam_account_name: Option<Text>,
    /// onPremisesDistinguishedName.
    pub on_prem_dn: Option<Text>,
    /// onPremisesDomainName.
    pub on_prem_domain: Option<Text>,
    /// onPremisesUserPrincipalName.
    pub on_prem_upn: Option<Text>,
    /// onPremisesSecurityIdentifier.
    pub on_prem_sid: Option<Text>,
    /// userType (`Member`, `Guest`).
    pub user_type: Option<Text>,
    /// creationType (`Invitation`, `EmailVerified`, `SelfServiceSignUp`, `LocalAccount`).
    pub creation_type: Option<Text>,
    /// externalUserState (`PendingAcceptance`, `Accepted`).
    pub external_user_state: Option<Text>,
    /// identities.
    pub identities: List<Identity>,
    /// accountEnabled (MSOnline: not BlockCredential).
    pub account_enabled: Option<bool>,
    /// skuIds of assignedLicenses (or MSOnline AccountSkuIds).
    pub licenses: List<Text>,
    /// Whether the object holds any licence: `Some` only when the export carried licence data
    /// (Graph `assignedLicenses`, MSOnline `IsLicensed` / `Licenses`), so that "not exported" is never
    /// read as "unlicensed".
    pub is_licensed: Option<bool>,
    /// onPremisesProvisioningErrors.
    pub provisioning_errors: List<ProvisioningError>,
    /// createdDateTime (ISO-8601).
    pub created: Option<Text>,
    /// employeeId (set by HR provisioning on accounts created ahead of their AD twin).
    pub employee_id: Option<Text>,
    /// Whether the export carried the on-premises sync fields at all (Graph `$select`); when false,
    /// `immutable_id == None` means "not exported", not "cloud-only".
    pub sync_fields_exported: bool,
}

impl CloudObject {
    /// The primary SMTP address: `SMTP:` proxy address, else `mail`.
    pub fn primary_smtp(&self) -> Option<&str> {
        primary_smtp(&self.proxy_addresses).or(self.mail.as_deref())
    }
    /// A human label for reports.
    pub fn label(&self) -> String {
        self.name().to_string()
    }
    /// [`Self::label`] without the copy.
    pub fn name(&self) -> &str {
        self.display_name
            .as_deref()
            .or(self.upn.as_deref())
            .or(self.mail.as_deref())
            .or(self.id.as_deref())
            .unwrap_or("(unnamed object)")
    }
    /// True for B2B guests (`userType` Guest or an `#EXT#` UPN).
    pub fn is_guest(&self) -> bool {
        self.user_type.as_deref().is_some_and(|t| t.eq_ignore_ascii_case("guest"))
            // The byte search first: most UPNs hold no `#`, and a substring search costs more to start.
            || self.upn.as_deref().is_some_and(|u| memchr::memchr(b'#', u.as_bytes()).is_some() && u.contains("#EXT#"))
    }
}

/// A verified domain as listed inside an organization object.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct VerifiedDomain {
    /// name.
    pub name: String,
    /// isDefault.
    pub is_default: Option<bool>,
    /// isInitial.
    pub is_initial: Option<bool>,
    /// type (`Managed`, `Federated`).
    pub kind: Option<String>,
}

/// A directory tenant, as known from an organization export, an ARM tenant list, a manifest or
/// only from the folder its files were in.
#[derive(Clone, Debug, Default)]
pub struct Tenant {
    /// Where the tenant was declared (organization record, manifest...), if anywhere.
    pub source: Option<SourceRef>,
    /// Tenant id (GUID text, lower case); `None` when no file names it.
    pub id: Option<String>,
    /// Name used in reports: organization displayName, manifest name, or folder name.
    pub name: String,
    /// tenantType (`AAD`, `AAD B2C`).
    pub tenant_type: Option<String>,
    /// createdDateTime.
    pub created: Option<String>,
    /// onPremisesSyncEnabled of the organization.
    pub on_prem_sync_enabled: Option<bool>,
    /// onPremisesLastSyncDateTime of the organization.
    pub on_prem_last_sync: Option<String>,
    /// verifiedDomains of the organization.
    pub verified_domains: Vec<VerifiedDomain>,
    /// technicalNotificationMails.
    pub technical_notification_mails: Vec<String>,
    /// ARM tenant list: defaultDomain.
    pub default_domain: Option<String>,
    /// How the tenant's files were attributed (`organization export`, `manifest`, `folder`).
    pub attributed_by: String,
    /// Tenants declared intentionally separate from this one (manifest `separate_from`).
    pub separate_from: Vec<TenantIdx>,
    /// Tenants declared linked to this one by cross-tenant sync or a multi-tenant organization
    /// (manifest `cross_tenant_sync`).
    pub cross_tenant_sync: Vec<TenantIdx>,
    /// When the tenant's data was exported (the latest export time of its inputs, else the manifest's
    /// `exported`); the clock staleness is judged at. `None` when nothing dates it.
    pub data_date: Option<DataDate>,
}

/// A domain registered in a tenant (Graph `/domains`, `Get-MsolDomain`).
#[derive(Clone, Debug, Default)]
pub struct Domain {
    /// Where the record starts.
    pub source: SourceRef,
    /// Tenant (set by grouping).
    pub tenant: TenantIdx,
    /// FQDN, lower case.
    pub name: String,
    /// authenticationType (`Managed`, `Federated`).
    pub authentication_type: Option<String>,
    /// isVerified (MSOnline Status == Verified).
    pub is_verified: Option<bool>,
    /// isDefault.
    pub is_default: Option<bool>,
    /// isInitial.
    pub is_initial: Option<bool>,
    /// isRoot.
    pub is_root: Option<bool>,
    /// isAdminManaged.
    pub is_admin_managed: Option<bool>,
    /// supportedServices / Capabilities.
    pub supported_services: Vec<String>,
    /// MSOnline RootDomain.
    pub root_domain: Option<String>,
}

/// Federation settings of one domain (Graph internalDomainFederation, Get-MsolDomainFederationSettings).
#[derive(Clone, Debug, Default)]
pub struct Federation {
    /// Where the record starts.
    pub source: SourceRef,
    /// Tenant (set by grouping).
    pub tenant: TenantIdx,
    /// The federated domain, lower case (from `@odata.context`, a column, or the record).
    pub domain: Option<String>,
    /// displayName / FederationBrandName.
    pub display_name: Option<String>,
    /// issuerUri.
    pub issuer_uri: Option<String>,
    /// passiveSignInUri / PassiveLogOnUri.
    pub passive_sign_in_uri: Option<String>,
    /// activeSignInUri / ActiveLogOnUri.
    pub active_sign_in_uri: Option<String>,
    /// signOutUri / LogOffUri.
    pub sign_out_uri: Option<String>,
    /// metadataExchangeUri.
    pub metadata_exchange_uri: Option<String>,
    /// preferredAuthenticationProtocol (`wsFed`, `saml`).
    pub preferred_authentication_protocol: Option<String>,
    /// federatedIdpMfaBehavior.
    pub federated_idp_mfa_behavior: Option<String>,
    /// signingCertificate (Base64 DER, as exported).
    pub signing_certificate: Option<String>,
    /// nextSigningCertificate (Base64 DER, as exported).
    pub next_signing_certificate: Option<String>,
}

/// An Azure subscription (ARM `/subscriptions`, `az account list`).
#[derive(Clone, Debug, Default)]
pub struct Subscription {
    /// Where the record starts.
    pub source: SourceRef,
    /// subscriptionId (GUID text, lower case).
    pub id: String,
    /// displayName / name.
    pub display_name: Option<String>,
    /// tenantId: the directory the subscription trusts (ARM); for `az`, the tenant whose token listed it.
    pub tenant_id: Option<String>,
    /// homeTenantId (`az` only): the directory the subscription belongs to.
    pub home_tenant_id: Option<String>,
    /// managedByTenants[].tenantId (Azure Lighthouse).
    pub managed_by_tenants: Vec<String>,
    /// state (`Enabled`, `Warned`, `PastDue`, `Disabled`, `Deleted`).
    pub state: Option<String>,
    /// subscriptionPolicies.quotaId.
    pub quota_id: Option<String>,
    /// authorizationSource.
    pub authorization_source: Option<String>,
    /// `az` user.name (e.g. `live.com#someone@outlook.com`).
    pub user_name: Option<String>,
    /// `az` user.type (`user`, `servicePrincipal`).
    pub user_type: Option<String>,
}

impl Subscription {
    /// The tenant the subscription trusts: homeTenantId when known, else tenantId.
    pub fn trusted_tenant(&self) -> Option<&str> {
        self.home_tenant_id.as_deref().or(self.tenant_id.as_deref())
    }
}

/// A tenant listed by ARM `GET /tenants` (visible to the caller; not necessarily exported).
#[derive(Clone, Debug, Default)]
pub struct ArmTenant {
    /// Where the record starts.
    pub source: SourceRef,
    /// tenantId.
    pub tenant_id: String,
    /// displayName.
    pub display_name: Option<String>,
    /// defaultDomain.
    pub default_domain: Option<String>,
    /// domains.
    pub domains: Vec<String>,
    /// tenantCategory (`Home`, `ProjectedBy`, `ManagedBy`).
    pub tenant_category: Option<String>,
    /// countryCode.
    pub country_code: Option<String>,
}

/// A subscribed SKU (license) of a tenant.
#[derive(Clone, Debug, Default)]
pub struct Sku {
    /// Where the record starts.
    pub source: SourceRef,
    /// Tenant (set by grouping).
    pub tenant: TenantIdx,
    /// skuId.
    pub sku_id: Option<String>,
    /// skuPartNumber.
    pub sku_part_number: Option<String>,
    /// capabilityStatus.
    pub capability_status: Option<String>,
    /// consumedUnits.
    pub consumed_units: Option<i64>,
    /// prepaidUnits.enabled.
    pub prepaid_enabled: Option<i64>,
    /// appliesTo.
    pub applies_to: Option<String>,
}

/// An application registration or service principal.
#[derive(Clone, Debug, Default)]
pub struct Application {
    /// Where the record starts.
    pub source: SourceRef,
    /// Tenant (set by grouping).
    pub tenant: TenantIdx,
    /// `application` or `servicePrincipal`.
    pub kind: String,
    /// Object id.
    pub id: Option<String>,
    /// appId.
    pub app_id: Option<String>,
    /// displayName.
    pub display_name: Option<String>,
    /// signInAudience (`AzureADMyOrg`, `AzureADMultipleOrgs`, `AzureADandPersonalMicrosoftAccount`, `PersonalMicrosoftAccount`).
    pub sign_in_audience: Option<String>,
    /// appOwnerOrganizationId (service principals).
    pub app_owner_tenant_id: Option<String>,
    /// publisherDomain.
    pub publisher_domain: Option<String>,
}

/// A directory role held by a principal (from directoryRoles with members, roleAssignments, or a
/// privileged-users export).
#[derive(Clone, Debug, Default)]
pub struct RoleGrant {
    /// Where the record starts.
    pub source: SourceRef,
    /// Tenant (set by grouping).
    pub tenant: TenantIdx,
    /// principalId (object id of the user, group or service principal).
    pub principal_id: String,
    /// Role display name when known (`Global Administrator`), else the role definition / template id.
    pub role: String,
    /// roleDefinitionId / roleTemplateId when known.
    pub role_id: Option<String>,
}

/// A directory role definition of a tenant (`GET /roleManagement/directory/roleDefinitions`):
/// built-in roles and the tenant's custom roles, used to name role grants that carry only an id.
#[derive(Clone, Debug, Default)]
pub struct RoleDefinition {
    /// Where the record starts.
    pub source: SourceRef,
    /// Tenant (set by grouping).
    pub tenant: TenantIdx,
    /// id (what `roleAssignments.roleDefinitionId` refers to).
    pub id: String,
    /// templateId (equal to `id` for built-in roles).
    pub template_id: Option<String>,
    /// displayName.
    pub display_name: Option<String>,
    /// isBuiltIn.
    pub is_built_in: Option<bool>,
}

/// Directory synchronization settings of a tenant (`/directory/onPremisesSynchronization`).
#[derive(Clone, Debug, Default)]
pub struct SyncSettings {
    /// Where the record starts.
    pub source: SourceRef,
    /// Tenant (set by grouping).
    pub tenant: TenantIdx,
    /// Feature flags as exported (`blockSoftMatchEnabled`...), keys in camelCase.
    pub features: BTreeMap<String, bool>,
}

/// Claim rules of an AD FS trust (one rule set: acceptance, issuance...), kept raw and parsed
/// best-effort into the claim types they let through.
#[derive(Clone, Debug, Default)]
pub struct AdfsClaimRules {
    /// The rules text as exported.
    pub raw: String,
    /// Rule names (`@RuleName`), in order; unnamed rules are `rule N`.
    pub names: Vec<String>,
    /// A rule passes every incoming claim (`c:[] => issue(claim = c);`).
    pub passes_all: bool,
    /// Claim types passed through (`c:[Type == "X"] => issue(claim = c);`), lower case.
    pub passes: Vec<String>,
    /// Claim types issued with a new value (`issue(Type = "X", ...)`, or `types = (...)` from an
    /// attribute store), lower case.
    pub issues: Vec<String>,
    /// Attribute-store lookups keyed by an incoming claim (account links).
    pub lookups: Vec<AdfsLookup>,
    /// Values tested by `Value == "..."` conditions: `(claim type lower case, value)`.
    pub known_values: Vec<(String, String)>,
    /// Rules that could not be parsed (reported as IN008 by the reader); when non-zero the parsed
    /// lists may be incomplete.
    pub unparsed: usize,
}

impl AdfsClaimRules {
    /// True when the rules let claim type `t` out (passed, issued, or all claims passed).
    pub fn provides(&self, t: &str) -> bool {
        self.passes_all || self.passes.iter().chain(&self.issues).any(|x| x.eq_ignore_ascii_case(t))
    }
}

/// An attribute-store query keyed by an incoming claim, e.g.
/// `c:[Type == "…/emailaddress"] => issue(store = "Active Directory", types = (…), query = "comment={0};…", param = c.Value);`
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct AdfsLookup {
    /// The rule's name (`@RuleName`, else `rule N`).
    pub rule: String,
    /// Attribute store (`Active Directory`, `SQL`...).
    pub store: String,
    /// Claim type whose value is the key (lower case), when known.
    pub claim_type: Option<String>,
    /// The AD attribute matched against the claim value (`comment` in `(comment={0})`), when the
    /// query is an LDAP filter.
    pub attribute: Option<String>,
    /// The query as written.
    pub query: String,
}

/// An AD FS claims provider trust (`Get-AdfsClaimsProviderTrust`). Not attributed to a tenant or
/// forest: an AD FS farm serves the estate as a whole.
#[derive(Clone, Debug, Default)]
pub struct AdfsClaimsProvider {
    /// Where the record starts.
    pub source: SourceRef,
    /// Line of the `AcceptanceTransformRules` property (the record's line when absent).
    pub rules_line: u32,
    /// Name.
    pub name: String,
    /// Identifier(s) (`AD AUTHORITY` for the built-in Active Directory provider).
    pub identifiers: Vec<String>,
    /// Enabled.
    pub enabled: Option<bool>,
    /// MetadataUrl.
    pub metadata_url: Option<String>,
    /// WS-Federation passive endpoint and SAML endpoint locations.
    pub endpoints: Vec<String>,
    /// AcceptanceTransformRules.
    pub acceptance_rules: AdfsClaimRules,
}

impl AdfsClaimsProvider {
    /// True for the built-in Active Directory claims provider (identifier `AD AUTHORITY`).
    pub fn is_active_directory(&self) -> bool {
        self.identifiers.iter().any(|i| i.eq_ignore_ascii_case("AD AUTHORITY"))
            || (self.identifiers.is_empty() && self.name.eq_ignore_ascii_case("Active Directory"))
    }
}

/// An AD FS relying party trust (`Get-AdfsRelyingPartyTrust`).
#[derive(Clone, Debug, Default)]
pub struct AdfsRelyingParty {
    /// Where the record starts.
    pub source: SourceRef,
    /// Name.
    pub name: String,
    /// Identifier(s) (`urn:federation:MicrosoftOnline` for Office 365).
    pub identifiers: Vec<String>,
    /// Enabled.
    pub enabled: Option<bool>,
    /// ClaimsProviderName: the claims providers offered for this relying party (empty = all).
    pub claims_provider_names: Vec<String>,
    /// IssuanceTransformRules.
    pub issuance_rules: AdfsClaimRules,
    /// IssuanceAuthorizationRules.
    pub authorization_rules: AdfsClaimRules,
}

/// An on-premises forest: the AD objects of one export set.
#[derive(Clone, Debug, Default)]
pub struct Forest {
    /// Name: the manifest's, else the shortest DNS domain found in the objects' DNs, else the folder.
    pub name: String,
    /// DNS domains seen in the objects' DNs.
    pub domains: Vec<String>,
    /// Whether the export is declared complete (manifest `complete = true`); `None` = unknown.
    pub complete: Option<bool>,
    /// Sync anchor attribute declared in the manifest (`objectGUID` or `ms-DS-ConsistencyGuid`).
    pub anchor_attribute: Option<String>,
    /// How the forest's files were grouped (`manifest`, `folder`).
    pub attributed_by: String,
    /// Tenants the forest is declared to sync into (manifest `syncs_to`); empty when not declared.
    pub syncs_to: Vec<TenantIdx>,
    /// When the forest's data was exported (the latest export time of its inputs, else the manifest's
    /// `exported`). `None` when nothing dates it.
    pub data_date: Option<DataDate>,
}

/// Everything read in a run, normalized and attributed to tenants and forests.
#[derive(Clone, Debug, Default)]
pub struct Estate {
    /// On-premises forests.
    pub forests: Vec<Forest>,
    /// AD objects.
    pub ad_objects: Vec<AdObject>,
    /// Directory tenants.
    pub tenants: Vec<Tenant>,
    /// Users, groups, contacts of the tenants.
    pub cloud_objects: Vec<CloudObject>,
    /// Domains of the tenants.
    pub domains: Vec<Domain>,
    /// Federation settings.
    pub federations: Vec<Federation>,
    /// Azure subscriptions.
    pub subscriptions: Vec<Subscription>,
    /// Tenants listed by ARM `/tenants`.
    pub arm_tenants: Vec<ArmTenant>,
    /// Subscribed SKUs.
    pub skus: Vec<Sku>,
    /// Applications and service principals.
    pub applications: Vec<Application>,
    /// Directory role grants.
    pub role_grants: Vec<RoleGrant>,
    /// Directory role definitions (built-in and custom) exported per tenant.
    pub role_definitions: Vec<RoleDefinition>,
    /// Directory synchronization settings.
    pub sync_settings: Vec<SyncSettings>,
    /// AD FS claims provider trusts (estate-wide).
    pub adfs_claims_providers: Vec<AdfsClaimsProvider>,
    /// AD FS relying party trusts (estate-wide).
    pub adfs_relying_parties: Vec<AdfsRelyingParty>,
}

/// Normalises a SID written as text (`s-1-5-21-…`, any case, surrounding blanks) to `S-1-5-21-…`;
/// `None` when it is not a SID (`S-1-` followed by dash-separated decimal numbers).
pub fn normalize_sid(s: &str) -> Option<String> {
    normalized_sid(s).map(std::borrow::Cow::into_owned)
}

/// [`normalize_sid`], borrowed from `s` when it is already in that form (the graph's SID lookups
/// check a key per candidate: no allocation each time).
pub fn normalized_sid(s: &str) -> Option<std::borrow::Cow<'_, str>> {
    let t = s.trim_fast();
    let rest = t.get(..4).filter(|p| p.eq_ignore_ascii_case("S-1-")).map(|_| &t[4..])?;
    // Dash-separated numbers of 1 to 20 digits, in one pass over the bytes (run for every SID of
    // the estate and every candidate of a SID lookup).
    let mut digits = 0;
    for b in rest.bytes() {
        match b {
            b'0'..=b'9' if digits < 20 => digits += 1,
            b'-' if digits > 0 => digits = 0,
            _ => return None,
        }
    }
    if digits == 0 {
        return None;
    }
    Some(if t.starts_with("S-1-") { std::borrow::Cow::Borrowed(t) } else { format!("S-1-{rest}").into() })
}

/// Normalises a GUID-looking string to lower case without braces; returns `None` if it is not a GUID.
pub fn normalize_guid_text(s: &str) -> Option<String> {
    let t = s.trim_fast().trim_start_matches('{').trim_end_matches('}');
    uuid::Uuid::try_parse(t).ok().map(|u| u.hyphenated().to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dn_domain_and_escaped_commas() {
        assert_eq!(
            dn_to_dns_domain("CN=Smith\\, Jo,OU=Staff,DC=Corp,DC=Contoso,DC=com").as_deref(),
            Some("corp.contoso.com")
        );
        assert_eq!(split_dn("CN=Smith\\, Jo,OU=Staff"), vec!["CN=Smith\\, Jo", "OU=Staff"]);
        assert_eq!(dn_to_dns_domain("CN=x,OU=y"), None);
        for dn in [
            "CN=Smith\\, Jo,OU=Staff,DC=Corp,DC=Contoso,DC=com",
            "DC=,dc= Fabrikam ,OU=x,DC=COM",
            "CN=a,OU=DC=x,DC=y",
            "cn=a, dc=b , dc=c",
            "CN=x,OU=y",
        ] {
            assert_eq!(dc_tail(dn).and_then(dn_to_dns_domain), dn_to_dns_domain(dn), "{dn}");
        }
        assert_eq!(dc_tail("CN=a,OU=b, DC=corp,DC=com"), Some("DC=corp,DC=com"));
        // Escaped backslash before a separator, a trailing escape, spaces, empty and non-ASCII parts.
        assert_eq!(split_dn("CN=a\\\\,OU=b , DC=x"), vec!["CN=a\\\\", "OU=b", "DC=x"]);
        assert_eq!(split_dn("CN=é\\,x,OU=ü\\"), vec!["CN=é\\,x", "OU=ü\\"]);
        assert_eq!(split_dn("CN=a,"), vec!["CN=a"]);
        assert!(split_dn("").is_empty());
        assert_eq!(dn_to_dns_domain("DC=,dc= Fabrikam ,OU=x,DC=COM").as_deref(), Some(".fabrikam.com"));
    }

    #[test]
    fn primary_smtp_is_uppercase_prefix_only() {
        let p = vec!["smtp:b@contoso.com".to_string(), "SMTP:a@contoso.com".to_string()];
        assert_eq!(primary_smtp(&p), Some("a@contoso.com"));
        assert_eq!(primary_smtp(&p[..1]), None);
    }

    #[test]
    fn sid_text_normalised() {
        assert_eq!(normalize_sid(" s-1-5-21-1-2-3-1105 ").as_deref(), Some("S-1-5-21-1-2-3-1105"));
        assert_eq!(normalize_sid("S-1-5-32-544").as_deref(), Some("S-1-5-32-544"));
        assert_eq!(normalize_sid("S-1-"), None);
        assert_eq!(normalize_sid("S-1-5--21"), None);
        assert_eq!(normalize_sid("TESTLAB.LOCAL-S-1-5-32-544"), None);
        assert_eq!(normalize_sid("S-1-5-x"), None);
        // Already normal: borrowed (trimmed); otherwise a normalised copy.
        assert!(matches!(
            normalized_sid(" S-1-5-21-1-2-3-500 "),
            Some(std::borrow::Cow::Borrowed("S-1-5-21-1-2-3-500"))
        ));
        assert!(matches!(normalized_sid("s-1-5-32-544"), Some(std::borrow::Cow::Owned(ref s)) if s == "S-1-5-32-544"));
        assert_eq!(normalized_sid("S-1-5-x"), None);
        // The one-pass check against its definition (dash-separated numbers of 1 to 20 digits).
        let by_parts = |rest: &str| {
            !rest.is_empty()
                && rest.split('-').all(|p| !p.is_empty() && p.len() <= 20 && p.bytes().all(|c| c.is_ascii_digit()))
        };
        let twenty = "9".repeat(20);
        let rests = [
            "",
            "5",
            "5-",
            "-5",
            "5--21",
            "5-21-1",
            "5-x",
            "５",
            &twenty,
            &format!("{twenty}0"),
            &format!("1-{twenty}-2"),
        ];
        for rest in rests {
            assert_eq!(normalized_sid(&format!("S-1-{rest}")).is_some(), by_parts(rest), "S-1-{rest}");
        }
    }

    #[test]
    fn guid_text_normalised() {
        assert_eq!(
            normalize_guid_text("{35918BC9-196D-40EA-9779-889D79B753F0}").as_deref(),
            Some("35918bc9-196d-40ea-9779-889d79b753f0")
        );
        assert_eq!(normalize_guid_text("not-a-guid"), None);
    }
}
