//! Cloud users as Graph exports them (synced twins of AD users, cloud-only members, B2B guests) and
//! the tenants being built.

use super::people::AdObj;
use crate::generate::sid_text;
use serde_json::{Value, json};
use uuid::Uuid;

/// A cloud user as Graph exports it.
#[derive(Clone, Debug, Default)]
pub(super) struct CloudUser {
    pub(super) id: Uuid,
    pub(super) display: String,
    pub(super) given: Option<String>,
    pub(super) surname: Option<String>,
    pub(super) upn: String,
    pub(super) mail: Option<String>,
    pub(super) nickname: String,
    pub(super) proxies: Vec<String>,
    pub(super) guest: bool,
    pub(super) creation_type: Option<&'static str>,
    pub(super) issuer: String,
    pub(super) anchor: Option<String>,
    pub(super) sync_enabled: Option<bool>,
    pub(super) last_sync: Option<&'static str>,
    pub(super) on_prem: Option<OnPrem>,
    pub(super) licensed: bool,
    pub(super) enabled: bool,
}

#[derive(Clone, Debug, Default)]
pub(super) struct OnPrem {
    pub(super) domain: String,
    pub(super) sam: String,
    pub(super) upn: String,
    pub(super) dn: String,
    pub(super) sid: String,
}

impl CloudUser {
    pub(super) fn json(&self, sku: &Uuid) -> Value {
        let op = self.on_prem.as_ref();
        json!({
            "id": self.id.to_string(),
            "displayName": self.display,
            "givenName": self.given,
            "surname": self.surname,
            "userPrincipalName": self.upn,
            "mail": self.mail,
            "mailNickname": self.nickname,
            "proxyAddresses": self.proxies,
            "otherMails": if self.guest { self.mail.iter().cloned().collect::<Vec<_>>() } else { Vec::new() },
            "userType": if self.guest { "Guest" } else { "Member" },
            "creationType": self.creation_type,
            "externalUserState": if self.guest { Some("Accepted") } else { None },
            "identities": [{
                "signInType": if self.guest { "federated" } else { "userPrincipalName" },
                "issuer": self.issuer,
                "issuerAssignedId": if self.guest { None } else { Some(self.upn.clone()) },
            }],
            "accountEnabled": self.enabled,
            "employeeId": Value::Null,
            "onPremisesImmutableId": self.anchor,
            "onPremisesSyncEnabled": self.sync_enabled,
            "onPremisesLastSyncDateTime": self.last_sync,
            "onPremisesDomainName": op.map(|o| o.domain.clone()),
            "onPremisesSamAccountName": op.map(|o| o.sam.clone()),
            "onPremisesUserPrincipalName": op.map(|o| o.upn.clone()),
            "onPremisesDistinguishedName": op.map(|o| o.dn.clone()),
            "onPremisesSecurityIdentifier": op.map(|o| o.sid.clone()),
            "onPremisesProvisioningErrors": [],
            "assignedLicenses": if self.licensed { vec![json!({"disabledPlans": [], "skuId": sku.to_string()})] } else { Vec::new() },
            "createdDateTime": "2021-05-04T09:12:44Z",
        })
    }
}

/// One tenant being built.
pub(super) struct Tenant {
    pub(super) name: &'static str,
    pub(super) folder: &'static str,
    pub(super) id: Uuid,
    pub(super) initial: &'static str,
    /// (domain, verified)
    pub(super) domains: Vec<(&'static str, bool)>,
    pub(super) last_sync: Option<&'static str>,
    /// blockSoftMatchEnabled / takeover block (None: no onPremisesSynchronization export).
    pub(super) blocks: Option<bool>,
    pub(super) sku: Uuid,
    pub(super) users: Vec<CloudUser>,
}

impl Tenant {
    pub(super) fn key(&self, oid: &Uuid) -> String {
        format!("{}/{oid}", self.id)
    }
}

/// The UPN Entra gives a synced user whose own UPN it cannot use: its alias in the initial domain.
/// (No digits are appended: `<prefix><4 digits>@<initial>` is what duplicate-attribute quarantine does.)
pub(super) fn moera(local: &str, initial: &str) -> String {
    let clean: String =
        deunicode::deunicode(local).chars().filter(|c| c.is_ascii_alphanumeric() || *c == '.').collect();
    format!("{}@{initial}", clean.trim_matches('.'))
}

/// A synced cloud twin of an AD user.
pub(super) fn twin(
    o: &AdObj,
    forest: &str,
    sid: [u32; 3],
    id: Uuid,
    anchor: String,
    upn: String,
    last_sync: &'static str,
) -> CloudUser {
    CloudUser {
        id,
        display: if o.display.is_empty() { o.cn.clone() } else { o.display.clone() },
        given: Some(o.given.clone()),
        surname: Some(o.surname.clone()),
        issuer: upn.rsplit('@').next().unwrap_or_default().to_string(),
        upn,
        mail: Some(o.mail.clone()),
        nickname: o.nickname.trim_start_matches('.').to_string(),
        proxies: o.proxies.iter().filter(|p| !p.contains(',') && !p.contains(' ')).cloned().collect(),
        anchor: Some(anchor),
        sync_enabled: Some(true),
        last_sync: Some(last_sync),
        on_prem: Some(OnPrem {
            domain: forest.to_string(),
            sam: o.sam.clone(),
            upn: o.upn.clone(),
            dn: o.dn(forest),
            sid: sid_text(sid, o.rid),
        }),
        licensed: true,
        enabled: o.enabled,
        ..Default::default()
    }
}

/// A cloud-only member.
pub(super) fn cloud_only(id: Uuid, display: &str, upn: &str, mail: &str, issuer: &str) -> CloudUser {
    CloudUser {
        id,
        display: display.into(),
        upn: upn.into(),
        mail: Some(mail.into()),
        nickname: upn.split('@').next().unwrap_or_default().into(),
        proxies: vec![format!("SMTP:{mail}")],
        issuer: issuer.into(),
        licensed: true,
        enabled: true,
        ..Default::default()
    }
}

/// A B2B guest with address `address` invited into a tenant whose initial domain is `initial`.
pub(super) fn guest(id: Uuid, display: &str, address: &str, initial: &str, issuer: &str) -> CloudUser {
    let under = address.replace('@', "_");
    CloudUser {
        id,
        display: display.into(),
        upn: format!("{under}#EXT#@{initial}"),
        mail: Some(address.into()),
        nickname: under.clone(),
        proxies: vec![format!("SMTP:{address}")],
        guest: true,
        creation_type: Some("Invitation"),
        issuer: issuer.into(),
        enabled: true,
        ..Default::default()
    }
}
