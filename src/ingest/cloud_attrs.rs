//! Cloud objects from Graph-shaped records: users, groups and contacts ([`cloud_object`]), domains,
//! the organization, SKUs, federation and sync settings, applications. Graph camelCase, PowerShell
//! PascalCase and legacy AAD Graph / MSOnline key spellings are all accepted. Shared by the readers
//! whose records are Graph objects (`graph-json`, `azurehound`, `scubagear`); it imports no reader.

use super::json_util::{self as ju, Problem, Rec, Tally};
use crate::model::text::{Column, in_column};
use crate::model::*;
use std::collections::BTreeMap;

/// Keys that show the on-premises sync fields were exported (Graph `onPremises*`, AAD Graph /
/// MSOnline / AzureAD module names).
fn has_sync_keys(r: &Rec<'_>) -> bool {
    r.obj.keys().any(|k| {
        k.get(..10).is_some_and(|p| p.eq_ignore_ascii_case("onpremises"))
            || k.eq_ignore_ascii_case("immutableId")
            || k.eq_ignore_ascii_case("dirSyncEnabled")
            || k.eq_ignore_ascii_case("lastDirSyncTime")
    })
}

/// A user, group or contact (Graph camelCase, PowerShell PascalCase, AAD Graph / MSOnline aliases).
pub(crate) fn cloud_object(t: &mut Tally, r: &Rec<'_>, kind: CloudKind, at: crate::source::SourceRef) -> CloudObject {
    // Values that repeat across objects are stored once (`shared`); values that occur inside the
    // object's other values are stored as parts of them (`within`: the UPN in the primary proxy
    // address; mail, the on-premises UPN and a sign-in name in the UPN; the name in the DN).
    // The attributes rules read for every object go to arena columns of their own (`in_column`).
    let proxies: Vec<Text> = in_column(Column::Addresses, || r.strs(t, &["proxyAddresses"]));
    let upn: Option<Text> = in_column(Column::Upn, || r.within(t, &["userPrincipalName"], &proxies));
    let on_prem_dn: Option<Text> = in_column(Column::Dn, || r.str(t, &["onPremisesDistinguishedName"]));
    let display_name: Option<Text> = in_column(Column::Names, || r.within(t, &["displayName"], &on_prem_dn));
    let identities = r
        .objects(t, &["identities"])
        .into_iter()
        .map(|o| {
            let ir = Rec::new(o, r.line);
            Identity {
                sign_in_type: ir.shared(t, &["signInType"]),
                issuer: ir.shared(t, &["issuer"]),
                issuer_assigned_id: ir.same_as(t, &["issuerAssignedId"], &upn),
            }
        })
        .collect();
    let licenses: Vec<crate::model::Text> = r
        .objects(t, &["assignedLicenses"])
        .into_iter()
        .filter_map(|o| Rec::new(o, r.line).guid::<String>(t, &["skuId"]).map(|g| Text::interned(&g)))
        .collect();
    let is_licensed = r.raw(&["assignedLicenses"]).map(|_| !licenses.is_empty());
    let provisioning_errors = r
        .objects(t, &["onPremisesProvisioningErrors"])
        .into_iter()
        .map(|o| {
            let er = Rec::new(o, r.line);
            ProvisioningError {
                category: er.shared(t, &["category"]),
                property: er.shared(t, &["propertyCausingError"]),
                value: er.str(t, &["value"]),
                occurred: er.date(t, &["occurredDateTime"]),
            }
        })
        .collect();
    CloudObject {
        source: at,
        kind,
        id: in_column(Column::Ids, || r.guid(t, &["id", "objectId"])),
        mail: in_column(Column::Addresses, || r.within(t, &["mail"], upn.iter().chain(&proxies))),
        mail_nickname: in_column(Column::Addresses, || r.within(t, &["mailNickname"], upn.iter().chain(&proxies))),
        given_name: in_column(Column::Names, || {
            r.within(t, &["givenName", "firstName"], display_name.iter().chain(&on_prem_dn))
        }),
        surname: in_column(Column::Names, || {
            r.within(t, &["surname", "lastName"], display_name.iter().chain(&on_prem_dn))
        }),
        display_name,
        other_mails: in_column(Column::Addresses, || r.strs(t, &["otherMails", "alternateEmailAddresses"])).into(),
        immutable_id: in_column(Column::Anchors, || r.str(t, &["onPremisesImmutableId", "immutableId"])),
        on_prem_sync_enabled: r.bool(t, &["onPremisesSyncEnabled", "dirSyncEnabled"]),
        on_prem_last_sync: r
            .date::<String>(t, &["onPremisesLastSyncDateTime", "lastDirSyncTime"])
            .map(|d| Text::interned(&d)),
        on_prem_sam_account_name: in_column(Column::Names, || r.within(t, &["onPremisesSamAccountName"], &proxies)),
        on_prem_dn,
        on_prem_domain: r.shared(t, &["onPremisesDomainName"]),
        on_prem_upn: in_column(Column::Upn, || r.same_as(t, &["onPremisesUserPrincipalName"], &upn)),
        on_prem_sid: in_column(Column::Sids, || r.str(t, &["onPremisesSecurityIdentifier"])),
        user_type: r.shared(t, &["userType"]),
        creation_type: r.shared(t, &["creationType"]),
        external_user_state: r.shared(t, &["externalUserState"]),
        identities,
        account_enabled: r.bool(t, &["accountEnabled"]),
        licenses: licenses.into(),
        is_licensed,
        provisioning_errors,
        created: r.date(t, &["createdDateTime"]),
        employee_id: r.str(t, &["employeeId"]),
        sync_fields_exported: has_sync_keys(r),
        proxy_addresses: proxies.into(),
        upn,
        ..Default::default()
    }
}

/// A Graph domain object (also ScubaGear `domain_settings`).
pub(crate) fn domain(t: &mut Tally, r: &Rec<'_>, at: crate::source::SourceRef) -> Option<Domain> {
    let name = r.str::<String>(t, &["id", "name"])?.to_ascii_lowercase();
    Some(Domain {
        source: at,
        name,
        authentication_type: r.str(t, &["authenticationType"]),
        is_verified: r.bool(t, &["isVerified"]),
        is_default: r.bool(t, &["isDefault"]),
        is_initial: r.bool(t, &["isInitial"]),
        is_root: r.bool(t, &["isRoot"]),
        is_admin_managed: r.bool(t, &["isAdminManaged"]),
        supported_services: r.strs(t, &["supportedServices"]),
        ..Default::default()
    })
}

/// A Graph organization (legacy tenantDetail) → a tenant record and its id (GUID text when valid).
pub(crate) fn organization(t: &mut Tally, r: &Rec<'_>, at: crate::source::SourceRef) -> (Tenant, Option<String>) {
    let id = r.guid::<String>(t, &["id", "objectId"]);
    let verified_domains = r
        .objects(t, &["verifiedDomains"])
        .into_iter()
        .filter_map(|o| {
            let v = Rec::new(o, r.line);
            Some(VerifiedDomain {
                name: v.str(t, &["name"])?,
                is_default: v.bool(t, &["isDefault", "default"]),
                is_initial: v.bool(t, &["isInitial", "initial"]),
                kind: v.str(t, &["type"]),
            })
        })
        .collect();
    let tenant = Tenant {
        source: Some(at),
        id: id.as_deref().and_then(normalize_guid_text),
        name: r.str(t, &["displayName"]).unwrap_or_default(),
        tenant_type: r.str(t, &["tenantType"]),
        created: r.date(t, &["createdDateTime"]),
        on_prem_sync_enabled: r.bool(t, &["onPremisesSyncEnabled", "dirSyncEnabled"]),
        on_prem_last_sync: r.date(t, &["onPremisesLastSyncDateTime", "companyLastDirSyncTime"]),
        verified_domains,
        technical_notification_mails: r.strs(t, &["technicalNotificationMails"]),
        attributed_by: "organization export".into(),
        ..Default::default()
    };
    let id = tenant.id.clone();
    (tenant, id)
}

/// A subscribed SKU (also ScubaGear `license_information`).
pub(crate) fn sku(t: &mut Tally, r: &Rec<'_>, at: crate::source::SourceRef) -> Sku {
    let prepaid = r.obj(&["prepaidUnits"]).map(|o| Rec::new(o, r.line));
    Sku {
        source: at,
        sku_id: r.guid(t, &["skuId"]),
        sku_part_number: r.str(t, &["skuPartNumber"]),
        capability_status: r.str(t, &["capabilityStatus"]),
        consumed_units: r.int(t, &["consumedUnits"]),
        prepaid_enabled: prepaid.and_then(|p| p.int(t, &["enabled"])),
        applies_to: r.str(t, &["appliesTo"]),
        ..Default::default()
    }
}

/// Federation settings of a domain (Graph `internalDomainFederation`); the domain is the caller's.
pub(crate) fn federation(t: &mut Tally, r: &Rec<'_>, at: crate::source::SourceRef) -> Federation {
    Federation {
        source: at,
        domain: None,
        display_name: r.str(t, &["displayName"]),
        issuer_uri: r.str(t, &["issuerUri"]),
        passive_sign_in_uri: r.str(t, &["passiveSignInUri"]),
        active_sign_in_uri: r.str(t, &["activeSignInUri"]),
        sign_out_uri: r.str(t, &["signOutUri"]),
        metadata_exchange_uri: r.str(t, &["metadataExchangeUri"]),
        preferred_authentication_protocol: r.str(t, &["preferredAuthenticationProtocol"]),
        federated_idp_mfa_behavior: r.str(t, &["federatedIdpMfaBehavior"]),
        signing_certificate: r.str(t, &["signingCertificate"]),
        next_signing_certificate: r.str(t, &["nextSigningCertificate"]),
        ..Default::default()
    }
}

/// Directory synchronization settings (Graph `onPremisesDirectorySynchronization`): the feature flags.
pub(crate) fn sync_settings(t: &mut Tally, r: &Rec<'_>, at: crate::source::SourceRef) -> SyncSettings {
    let mut features = BTreeMap::new();
    if let Some(f) = r.obj(&["features"]) {
        for (k, v) in &f.fields {
            match ju::scalar(v) {
                ju::Scalar::Bool(b) => {
                    features.insert(ju::camel_case(k), b);
                }
                ju::Scalar::Null => {}
                _ => t.add(Problem::WrongType("true or false"), &format!("features.{k}"), r.line, ju::excerpt(v.get())),
            }
        }
    } else {
        t.add(Problem::Missing, "features", r.line, "");
    }
    SyncSettings { source: at, features, ..Default::default() }
}

/// An application, or (`sp`) a service principal.
pub(crate) fn application(t: &mut Tally, r: &Rec<'_>, sp: bool, at: crate::source::SourceRef) -> Application {
    Application {
        source: at,
        kind: if sp { "servicePrincipal" } else { "application" }.into(),
        id: r.guid(t, &["id", "objectId"]),
        app_id: r.guid(t, &["appId"]),
        display_name: r.str(t, &["displayName"]),
        sign_in_audience: r.str(t, &["signInAudience"]),
        app_owner_tenant_id: if sp { r.guid(t, &["appOwnerOrganizationId", "appOwnerTenantId"]) } else { None },
        publisher_domain: r.str(t, &["publisherDomain"]),
        ..Default::default()
    }
}
