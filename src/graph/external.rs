//! External accounts: B2B guests and personal Microsoft accounts, recognised from cloud users and
//! from `az` subscription users, so that one person seen in several tenants is one node.

use crate::model::CloudObject;
use crate::model::text::TrimFast as _;
use std::collections::HashSet;
use std::sync::OnceLock;

/// What kind of account an external identity is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum AccountKind {
    /// Personal Microsoft account (MSA): issuer `MicrosoftAccount`, `live.com#` principals, or a
    /// Microsoft consumer mail domain.
    Personal,
    /// Work account of another Entra tenant (issuer `ExternalAzureAD`).
    Work,
    /// Guest signing in with an e-mail one-time passcode (issuer `mail`).
    EmailOtp,
    /// Social or federated identity provider (`google.com`, `facebook.com`, SAML issuer).
    Federated,
    /// A guest whose identity provider is unknown from the export.
    Unknown,
}

/// One external account.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ExternalAccount {
    /// Kind.
    pub kind: AccountKind,
    /// Lower-cased sign-in address.
    pub address: String,
}

/// The maintained list of Microsoft consumer mail domains, shipped as data
/// (`src/graph/microsoft-consumer-domains.txt`, embedded at build time).
pub const MICROSOFT_CONSUMER_DOMAINS_DATA: &str = include_str!("microsoft-consumer-domains.txt");

/// Microsoft consumer mail domains (MSA by default), parsed once from
/// [`MICROSOFT_CONSUMER_DOMAINS_DATA`]. Exact names: look-alikes such as `hotmail-us.top` are not in it.
pub fn microsoft_consumer_domains() -> &'static HashSet<&'static str> {
    static SET: OnceLock<HashSet<&'static str>> = OnceLock::new();
    SET.get_or_init(|| {
        MICROSOFT_CONSUMER_DOMAINS_DATA
            .lines()
            .map(|l| l.split('#').next().unwrap_or("").trim_fast())
            .filter(|l| !l.is_empty())
            .collect()
    })
}

/// True when `domain` is a Microsoft consumer mail domain.
pub fn is_microsoft_consumer_domain(domain: &str) -> bool {
    let d = domain.trim_fast().trim_end_matches('.').to_ascii_lowercase();
    microsoft_consumer_domains().contains(d.as_str())
}

/// The real address of a guest UPN `kim_outlook.com#EXT#@contoso.onmicrosoft.com` → `kim@outlook.com`
/// (the last `_` before `#EXT#` stood for `@`).
pub fn address_from_ext_upn(upn: &str) -> Option<String> {
    let (left, _) = upn.split_once("#EXT#")?;
    let at = left.rfind('_')?;
    let (local, domain) = (&left[..at], &left[at + 1..]);
    (!local.is_empty() && domain.contains('.')).then(|| format!("{local}@{domain}").to_lowercase())
}

/// The external account a cloud user stands for, if it is a guest or an external identity.
pub fn account_of(o: &CloudObject) -> Option<ExternalAccount> {
    let issuer_kind = o.identities.iter().find_map(|i| {
        let issuer = i.issuer.as_deref()?;
        let kind = match issuer {
            "MicrosoftAccount" => AccountKind::Personal,
            "ExternalAzureAD" => AccountKind::Work,
            "mail" => AccountKind::EmailOtp,
            _ => return None,
        };
        Some((kind, i.issuer_assigned_id.clone()))
    });
    let federated = o.identities.iter().any(|i| i.sign_in_type.as_deref() == Some("federated"));
    if issuer_kind.is_none() && !o.is_guest() {
        return None;
    }
    let address = issuer_kind
        .as_ref()
        .and_then(|(_, id)| id.as_deref().map(String::from))
        .filter(|a| a.contains('@'))
        .or_else(|| o.mail.as_deref().map(String::from))
        .or_else(|| o.upn.as_deref().and_then(address_from_ext_upn))
        .or_else(|| o.other_mails.first().map(|m| m.to_string()))?
        .to_lowercase();
    let domain = address.rsplit('@').next().unwrap_or("");
    let kind = match issuer_kind {
        Some((k, _)) => k,
        None if is_microsoft_consumer_domain(domain) => AccountKind::Personal,
        None if federated => AccountKind::Federated,
        None => AccountKind::Unknown,
    };
    Some(ExternalAccount { kind, address })
}

/// The account behind an `az` subscription user: `live.com#kim@outlook.com` is a personal account.
pub fn account_of_az_user(name: &str) -> Option<ExternalAccount> {
    let n = name.trim_fast();
    if let Some(addr) = n.strip_prefix("live.com#") {
        return Some(ExternalAccount { kind: AccountKind::Personal, address: addr.to_lowercase() });
    }
    let domain = n.rsplit_once('@').map(|(_, d)| d)?;
    is_microsoft_consumer_domain(domain)
        .then(|| ExternalAccount { kind: AccountKind::Personal, address: n.to_lowercase() })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ext_upn_address() {
        assert_eq!(
            address_from_ext_upn("a_contoso.com#EXT#@microsoft.onmicrosoft.com").as_deref(),
            Some("a@contoso.com")
        );
        assert_eq!(
            address_from_ext_upn("jo_ann_outlook.com#EXT#@x.onmicrosoft.com").as_deref(),
            Some("jo_ann@outlook.com")
        );
        assert_eq!(address_from_ext_upn("plain@contoso.com"), None);
    }

    #[test]
    fn consumer_domains_are_exact_not_substrings() {
        assert!(is_microsoft_consumer_domain("Hotmail.com"));
        assert!(!is_microsoft_consumer_domain("hotmail-us.top"));
        assert!(!is_microsoft_consumer_domain("freehotmail.net"));
        assert_eq!(account_of_az_user("live.com#Kim@Outlook.com").unwrap().address, "kim@outlook.com");
        assert!(account_of_az_user("admin@contoso.com").is_none());
    }

    #[test]
    fn shipped_domain_list_parses_and_has_the_brands() {
        let set = microsoft_consumer_domains();
        assert!(set.len() > 50, "{}", set.len());
        for d in ["outlook.com", "hotmail.co.uk", "live.com", "msn.com", "outlook.de", "live.fr"] {
            assert!(set.contains(d), "{d}");
        }
        assert!(set.iter().all(|d| !d.contains(' ') && !d.contains('#') && *d == d.to_ascii_lowercase()));
        assert!(is_microsoft_consumer_domain(" Outlook.COM. "));
        for d in ["gmail.com", "outlook.contoso.com", "alive.cz", "gmaillive.cloud", "live.com.evil.net"] {
            assert!(!is_microsoft_consumer_domain(d), "{d}");
        }
    }

    #[test]
    fn personal_account_detection_from_each_signal() {
        let guest = |upn: &str, mail: Option<&str>, issuer: Option<&str>| CloudObject {
            upn: Some(upn.into()),
            mail: mail.map(Into::into),
            user_type: Some("Guest".into()),
            identities: issuer
                .map(|i| vec![crate::model::Identity { issuer: Some(i.into()), ..Default::default() }].into())
                .unwrap_or_default(),
            ..Default::default()
        };
        // Issuer MicrosoftAccount on any address (a grandfathered MSA on a work address).
        let a =
            account_of(&guest("l_contoso.com#EXT#@m.onmicrosoft.com", Some("l@contoso.com"), Some("MicrosoftAccount")));
        assert_eq!(a, Some(ExternalAccount { kind: AccountKind::Personal, address: "l@contoso.com".into() }));
        // No identities (MSOnline export): the #EXT# UPN gives the address, the consumer domain the kind.
        let a = account_of(&guest("kim_outlook.com#EXT#@c.onmicrosoft.com", None, None)).unwrap();
        assert_eq!((a.kind, a.address.as_str()), (AccountKind::Personal, "kim@outlook.com"));
        // Pending invitation: the issuer is still the host's own domain; the consumer domain decides.
        let a =
            account_of(&guest("kim_live.com#EXT#@c.onmicrosoft.com", Some("kim@live.com"), Some("c.onmicrosoft.com")));
        assert_eq!(a.unwrap().kind, AccountKind::Personal);
        // Look-alike consumer domain: e-mail OTP with an issuer, unknown without.
        let otp = account_of(&guest("s_hotmail-us.top#EXT#@c.onmicrosoft.com", Some("s@hotmail-us.top"), Some("mail")));
        assert_eq!(otp.unwrap().kind, AccountKind::EmailOtp);
        let bare = account_of(&guest("s_hotmail-us.top#EXT#@c.onmicrosoft.com", Some("s@hotmail-us.top"), None));
        assert_eq!(bare.unwrap().kind, AccountKind::Unknown);
        // An ExternalAzureAD guest with a consumer-looking address stays a work account.
        let w =
            account_of(&guest("x_outlook.com#EXT#@c.onmicrosoft.com", Some("x@outlook.com"), Some("ExternalAzureAD")));
        assert_eq!(w.unwrap().kind, AccountKind::Work);
    }

    #[test]
    fn member_without_external_identity_is_not_external() {
        let o =
            CloudObject { upn: Some("ann@contoso.com".into()), user_type: Some("Member".into()), ..Default::default() };
        assert!(account_of(&o).is_none());
        let g = CloudObject {
            upn: Some("lee_fabrikam.com#EXT#@contoso.onmicrosoft.com".into()),
            user_type: Some("Guest".into()),
            identities: vec![crate::model::Identity { issuer: Some("ExternalAzureAD".into()), ..Default::default() }]
                .into(),
            ..Default::default()
        };
        assert_eq!(
            account_of(&g),
            Some(ExternalAccount { kind: AccountKind::Work, address: "lee@fabrikam.com".into() })
        );
    }
}
