//! MS006: app registrations admitting personal accounts or any organisation.

use super::*;

/// MS006: app registrations admitting personal accounts or any organisation, in an estate where
/// other rules of this family fired.
pub(super) fn app_audiences(estate: &Estate, fired: &BTreeMap<String, usize>, p: &Ms006) -> Vec<Finding> {
    let triggers: BTreeMap<String, usize> =
        p.when_rules_fired.iter().filter_map(|r| fired.get(r).map(|&n| (r.clone(), n))).collect();
    if triggers.is_empty() {
        return Vec::new();
    }
    let audiences = &p.audiences;
    let personal = &p.personal_audiences;
    let consumer = p.consumer_tenant_id.as_str();
    let estate_ids: Vec<&str> = estate.tenants.iter().filter_map(|t| t.id.as_deref()).collect();
    let mut out = Vec::new();
    for app in estate.applications.iter().filter(|a| a.kind == "application") {
        let Some(aud) = app.sign_in_audience.as_deref() else { continue };
        if !audiences.iter().any(|a| a.eq_ignore_ascii_case(aud)) {
            continue;
        }
        let admits_personal = personal.iter().any(|a| a.eq_ignore_ascii_case(aud));
        let tenant = &estate.tenants[app.tenant as usize];
        let name = app.display_name.clone().or_else(|| app.app_id.clone()).unwrap_or_else(|| "(unnamed app)".into());
        let mut issuers: Vec<String> =
            estate_ids.iter().map(|id| format!("https://login.microsoftonline.com/{id}/v2.0")).collect();
        if admits_personal && !consumer.is_empty() {
            issuers.push(format!("https://login.microsoftonline.com/{consumer}/v2.0"));
        }
        let who = if admits_personal {
            "personal Microsoft accounts and accounts of any organisation"
        } else {
            "accounts of any organisation"
        };
        let subject = Subject {
            kind: "application".into(),
            id: format!(
                "{}/{}",
                tenant.id.as_deref().unwrap_or(&tenant.name),
                app.app_id.as_deref().or(app.id.as_deref()).unwrap_or(&name)
            ),
            display: name.clone(),
            source: Some(app.source),
        };
        let mut f = finding(
            APP_AUDIENCE,
            format!(
                "App \"{name}\" in {} admits {who} ({aud}) in an estate with ambiguous personal accounts: validate the issuer against an allow-list",
                tenant.name
            ),
            vec![subject],
            evidence([
                ("sign_in_audience", json!(aud)),
                ("admits_personal_accounts", json!(admits_personal)),
                ("app_id", json!(app.app_id)),
                ("tenant", json!({"name": tenant.name, "id": tenant.id})),
                ("estate_ambiguities", json!(triggers)),
                ("issuer_allow_list", json!(issuers)),
                (
                    "action",
                    json!({
                        "validate_issuer": "check the token's tid/issuer against issuer_allow_list; never set ValidateIssuer = false",
                        "authority": tenant.id.as_ref().map(|id| format!("https://login.microsoftonline.com/{id}")),
                        "or_narrow_audience": "signInAudience = AzureADMyOrg if only this organisation signs in",
                    }),
                ),
            ]),
            "",
        );
        if !admits_personal {
            f.severity = Severity::Low;
        }
        out.push(f);
    }
    out
}
