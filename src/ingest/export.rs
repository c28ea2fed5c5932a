//! What to export, in one place: the attribute and property lists the readers use, and the export
//! commands built from them. The `IN003` hints, the LDAP collector's default attributes and the export
//! guide (`docs/collecting.md`, checked by a test) all take their lists from here, so they cannot drift.

/// AD attributes the AD readers use (`ad-csv`, `csvde`, `ldif`): what `collect ldap` asks for by default,
/// what `csvde`/`ldifde -l` and `Get-ADUser -Properties` should export.
pub const AD_ATTRIBUTES: &[&str] = &[
    "objectClass",
    "cn",
    "distinguishedName",
    "objectGUID",
    "objectSid",
    // Migrated accounts: the SIDs they held in their former domains (evidence for SID links).
    "sIDHistory",
    "mS-DS-ConsistencyGuid",
    "userPrincipalName",
    "sAMAccountName",
    "mail",
    "mailNickname",
    "proxyAddresses",
    "targetAddress",
    "displayName",
    "givenName",
    "sn",
    "employeeID",
    "userAccountControl",
    "whenCreated",
    "whenChanged",
    "isCriticalSystemObject",
    "msExchRecipientTypeDetails",
    "msExchHideFromAddressLists",
    "groupType",
    "homeMDB",
    // Service and privileged accounts: the fix files never rename them (SPNs, AdminSDHolder).
    "servicePrincipalName",
    "adminCount",
    // Candidate AD FS account-link attributes (federation rules FE013/FE014; `--attrs` adds others).
    "comment",
    "info",
    "description",
    "employeeNumber",
];

/// The `$select` of a Graph users export: what the Graph reader's `IN003` hint asks for.
pub const GRAPH_USERS_SELECT: &str = "id,displayName,userPrincipalName,mail,proxyAddresses,onPremisesImmutableId,onPremisesSyncEnabled,onPremisesLastSyncDateTime,onPremisesDistinguishedName,onPremisesSamAccountName,userType,creationType,externalUserState,identities,accountEnabled,assignedLicenses,createdDateTime";

/// `-l` of `csvde` and `ldifde`: every attribute of [`AD_ATTRIBUTES`], comma-separated.
pub fn ldap_attribute_list() -> String {
    AD_ATTRIBUTES.join(",")
}

/// One `Select-Object` column: multi-valued and binary attributes as text the CSV reader understands.
fn select_column(attr: &str) -> String {
    match attr {
        "proxyAddresses" | "servicePrincipalName" | "sIDHistory" => format!("@{{n='{attr}';e={{$_.{attr} -join ';'}}}}"),
        "mS-DS-ConsistencyGuid" => "@{n='mS-DS-ConsistencyGuid';e={if($_.'mS-DS-ConsistencyGuid'){[Convert]::ToBase64String($_.'mS-DS-ConsistencyGuid')}}}".to_string(),
        a => a.to_string(),
    }
}

/// The `Get-ADUser` / `Get-ADGroup` / `Get-ADObject` pipeline that exports every attribute of
/// [`AD_ATTRIBUTES`] as the `ad-csv` reader wants it (UTF-8 with BOM in Windows PowerShell 5.1 and 7).
pub fn ad_powershell_command(cmdlet: &str, out: &str) -> String {
    let select: Vec<String> = AD_ATTRIBUTES.iter().map(|a| select_column(a)).collect();
    format!(
        "{cmdlet} -Filter * -Properties {} | Select-Object {} | Export-Csv -NoTypeInformation -Encoding UTF8 {out}",
        AD_ATTRIBUTES.join(","),
        select.join(",")
    )
}

/// The `csvde` command line exporting users, groups and contacts with every attribute of [`AD_ATTRIBUTES`].
pub fn csvde_command(out: &str) -> String {
    format!(
        "csvde -u -f {out} -r \"(|(objectCategory=person)(objectCategory=group))\" -l \"{}\"",
        ldap_attribute_list()
    )
}

/// The `ldifde` command line exporting users, groups and contacts with every attribute of [`AD_ATTRIBUTES`].
pub fn ldifde_command(out: &str) -> String {
    format!(
        "ldifde -u -f {out} -r \"(|(objectCategory=person)(objectCategory=group))\" -l \"{}\"",
        ldap_attribute_list()
    )
}

/// The Graph PowerShell command exporting users with [`GRAPH_USERS_SELECT`].
pub fn mg_users_command(out: &str) -> String {
    format!(
        "Get-MgUser -All -Property {GRAPH_USERS_SELECT} | Select-Object {GRAPH_USERS_SELECT} | ConvertTo-Json -Depth 5 | Out-File -Encoding utf8 {out}"
    )
}

/// The Graph REST request for users with [`GRAPH_USERS_SELECT`] (follow every `@odata.nextLink`).
pub fn graph_users_request() -> String {
    format!("GET https://graph.microsoft.com/v1.0/users?$select={GRAPH_USERS_SELECT}&$top=999&$count=true")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_field_the_ad_readers_map_is_exported() {
        for aliases in super::super::ad_attrs::ALIASES.iter() {
            // `Enabled` is derived from userAccountControl by Get-ADUser; the rest must be asked for by name.
            if aliases.iter().any(|a| a.eq_ignore_ascii_case("Enabled")) {
                continue;
            }
            assert!(
                aliases.iter().any(|a| AD_ATTRIBUTES.iter().any(|x| x.eq_ignore_ascii_case(a))),
                "the reader maps {aliases:?} but no export asks for it"
            );
        }
        for extra in crate::model::EXTRA_ATTRIBUTES.iter().take(4) {
            assert!(AD_ATTRIBUTES.contains(extra), "{extra}");
        }
    }

    #[test]
    fn the_commands_carry_the_lists() {
        let ps = ad_powershell_command("Get-ADUser", "users.csv");
        assert!(ps.contains("-Properties objectClass,cn,distinguishedName,objectGUID"));
        assert!(ps.contains("[Convert]::ToBase64String"));
        assert!(csvde_command("ad.csv").contains(&ldap_attribute_list()));
        assert!(ldifde_command("ad.ldf").starts_with("ldifde -u -f ad.ldf"));
        assert!(mg_users_command("users.json").contains(GRAPH_USERS_SELECT));
        assert!(crate::collect::ldap::DEFAULT_ATTRIBUTES == AD_ATTRIBUTES);
    }
}
