//! MS002, MS003: what a personal account can reach — a directory role, subscriptions.

use super::*;

/// MS002: a personal account holds a directory role.
pub(super) fn directory_roles(estate: &Estate, g: &EstateGraph, p: &Ms002) -> Vec<Finding> {
    let ignored: BTreeSet<String> = lower(&p.non_admin_roles).into_iter().collect();
    let critical: BTreeSet<String> = lower(&p.critical_roles).into_iter().collect();
    let mut out = Vec::new();
    for r in &estate.role_grants {
        if ignored.contains(&r.role.to_lowercase()) {
            continue;
        }
        let Some(c) = g.indexes.cloud_by_id(&estate.cloud_objects, r.tenant, &r.principal_id) else { continue };
        let o = &estate.cloud_objects[c as usize];
        let Some(acct) = external::account_of(o).filter(|a| a.kind == AccountKind::Personal) else { continue };
        let tenant = &estate.tenants[o.tenant as usize];
        let tid = tenant.id.clone().unwrap_or_else(|| tenant.name.clone());
        let role_subject = Subject {
            kind: "directory-role".into(),
            id: format!("{tid}/{}/{}", r.role_id.as_deref().unwrap_or(&r.role), r.principal_id.to_lowercase()),
            display: format!("{} in {}", r.role, tenant.name),
            source: Some(r.source),
        };
        let mut f = finding(
            DIRECTORY_ROLE,
            format!(
                "Personal Microsoft account {} holds {} in {}: an administrator without organisational lifecycle or home-tenant conditional access",
                acct.address, r.role, tenant.name
            ),
            vec![cloud_subject(estate, o), role_subject, account_subject(&acct.address)],
            evidence([
                ("address", json!(acct.address)),
                ("personal_account_evidence", json!(basis(o))),
                ("role", json!(r.role)),
                ("role_id", json!(r.role_id)),
                ("tenant", json!({"name": tenant.name, "id": tenant.id})),
                ("user_type", json!(o.user_type)),
                ("user_principal_name", json!(o.upn)),
                ("created", json!(o.created)),
                (
                    "action",
                    json!(
                        "assign the role to a work identity of the person (eligible through PIM), verify it, then remove the role from the personal account and block or delete the personal-account guest"
                    ),
                ),
            ]),
            r.role.to_lowercase(),
        );
        // A role that can grant every other role: whoever controls the personal account controls the tenant.
        if critical.contains(&r.role.to_lowercase()) {
            f.severity = crate::findings::Severity::Critical;
        }
        out.push(f);
    }
    out
}

/// MS003: a personal account (`live.com#` az user) has access to subscriptions.
pub(super) fn subscription_access(
    estate: &Estate,
    accounts: &[Personal<'_>],
    tenants: &TenantNames<'_>,
) -> Vec<Finding> {
    let mut out = Vec::new();
    for a in accounts.iter().filter(|a| !a.subscriptions.is_empty()) {
        let mut records = a.subscriptions.clone();
        records.sort_by_key(|&s| estate.subscriptions[s as usize].source);
        let mut distinct: BTreeMap<&str, (&crate::model::Subscription, BTreeSet<String>)> = BTreeMap::new();
        for &s in &records {
            let r = &estate.subscriptions[s as usize];
            let e = distinct.entry(r.id.as_str()).or_insert((r, BTreeSet::new()));
            if let Some(t) = az_tenant(r) {
                e.1.insert(tenants.name(&tenants.key_of_id(t)));
            }
        }
        let home: BTreeSet<String> = distinct
            .values()
            .filter_map(|(r, _)| r.trusted_tenant())
            .map(|t| tenants.name(&tenants.key_of_id(t)))
            .collect();
        let subs: Vec<Value> = distinct
            .values()
            .map(|(r, via)| {
                json!({
                    "id": r.id,
                    "name": r.display_name,
                    "state": r.state,
                    "home_tenant": r.trusted_tenant().map(|t| tenants.name(&tenants.key_of_id(t))),
                    "listed_from_tenants": via,
                })
            })
            .collect();
        let commands: Vec<String> = distinct
            .keys()
            .map(|id| {
                format!("az role assignment list --all --assignee {} --subscription {id} --output table", a.address)
            })
            .collect();
        let n = distinct.len();
        let title = format!(
            "Personal Microsoft account {} has access to {n} Azure subscription{} in {} tenant{} ({})",
            a.address,
            if n == 1 { "" } else { "s" },
            home.len(),
            if home.len() == 1 { "" } else { "s" },
            names_joined(&home.iter().cloned().collect::<Vec<_>>()),
        );
        let mut subjects: Vec<Subject> = records.iter().map(|&s| subscription_subject(estate, s)).collect();
        subjects.push(account_subject(a.address));
        out.push(finding(
            SUBSCRIPTION_ACCESS,
            title,
            subjects,
            evidence([
                ("address", json!(a.address)),
                ("az_user_name", json!(estate.subscriptions[records[0] as usize].user_name)),
                ("subscriptions", Value::Array(subs)),
                ("home_tenants", json!(home)),
                (
                    "note",
                    json!("az account list shows that the account can use these subscriptions; which role it holds (Owner, Contributor, Reader...) is not in the export: check with the commands"),
                ),
                ("commands", json!(commands)),
            ]),
            "",
        ));
    }
    out
}
