use super::*;

/// SY009: `onPremisesProvisioningErrors` surfaced, one finding per object, with the property and value.
pub(super) fn provisioning_errors(ctx: &Context<'_>) -> Vec<Finding> {
    let estate = ctx.estate();
    let mut out: Vec<Finding> = estate
        .cloud_objects
        .iter()
        .enumerate()
        .filter(|(_, c)| !c.provisioning_errors.is_empty())
        .map(|(ci, c)| {
            let mut errs: Vec<&ProvisioningError> = c.provisioning_errors.iter().collect();
            errs.sort_by(|a, b| (&a.property, &a.value).cmp(&(&b.property, &b.value)));
            let what: Vec<String> = errs
                .iter()
                .map(|e| {
                    format!(
                        "{} on {} (`{}`)",
                        e.category.as_deref().unwrap_or("error"),
                        e.property.as_deref().unwrap_or("an attribute"),
                        e.value.as_deref().unwrap_or("?")
                    )
                })
                .collect();
            let title = format!(
                "{} in {}: directory synchronisation reports {}",
                c.label(),
                estate.tenants[c.tenant as usize].name,
                what.join("; ")
            );
            let ev = evidence([
                (
                    "errors",
                    Value::Array(
                        errs.iter()
                            .map(|e| {
                                json!({"category": e.category, "property": e.property, "value": e.value, "occurred": e.occurred})
                            })
                            .collect(),
                    ),
                ),
                ("tenant", s(estate.tenants[c.tenant as usize].name.clone())),
                (
                    "commands",
                    json!([format!(
                        "Get-MgUser -UserId {} -Property onPremisesProvisioningErrors | Select-Object -ExpandProperty OnPremisesProvisioningErrors",
                        c.id.as_deref().unwrap_or("<object id>")
                    )]),
                ),
            ]);
            let mut subjects = vec![cloud_subject(estate, c)];
            if let Some(a) = anchored_twin(ctx, ci as u32) {
                subjects.push(ad_subject(&estate.ad_objects[a as usize]));
            }
            let disc: Vec<String> = errs
                .iter()
                .map(|e| format!("{}={}", e.property.as_deref().unwrap_or(""), e.value.as_deref().unwrap_or("")).to_lowercase())
                .collect();
            finding(PROVISIONING_ERROR, title, subjects, ev, disc.join(";"))
        })
        .collect();
    out.sort_by(|a, b| a.subjects[0].source.cmp(&b.subjects[0].source));
    out
}

/// SY010: an enabled, synced member user without any licence (judged only when the export carried licence
/// data). Disabled accounts (shared and resource mailboxes) are normal and skipped.
pub(super) fn unlicensed(ctx: &Context<'_>) -> Vec<Finding> {
    let estate = ctx.estate();
    let mut out: Vec<Finding> = estate
        .cloud_objects
        .iter()
        .enumerate()
        .filter(|(_, c)| {
            c.kind == CloudKind::User
                && c.on_prem_sync_enabled == Some(true)
                && c.account_enabled == Some(true)
                && c.is_licensed == Some(false)
                && !c.is_guest()
        })
        .map(|(ci, c)| {
            let title = format!(
                "{} is synchronised to {} and enabled but holds no licence",
                c.label(),
                estate.tenants[c.tenant as usize].name
            );
            let ev = evidence([
                ("tenant", s(estate.tenants[c.tenant as usize].name.clone())),
                ("account_enabled", json!(true)),
                ("licenses", json!([])),
            ]);
            let mut subjects = vec![cloud_subject(estate, c)];
            if let Some(a) = anchored_twin(ctx, ci as u32) {
                subjects.push(ad_subject(&estate.ad_objects[a as usize]));
            }
            finding(UNLICENSED, title, subjects, ev, "")
        })
        .collect();
    out.sort_by(|a, b| a.subjects[0].source.cmp(&b.subjects[0].source));
    out
}

/// SY001: the organization says sync is on, but the last sync is older than `max_age_days` — judged at
/// the tenant's data clock (when its data was exported, or `--as-of`), not at the day of the scan.
pub(super) fn stale_sync(ctx: &Context<'_>) -> Vec<Finding> {
    let estate = ctx.estate();
    let max_days = ctx.params().sy001.max_age_days;
    let mut out = Vec::new();
    for (i, t) in estate.tenants.iter().enumerate() {
        if t.on_prem_sync_enabled != Some(true) {
            continue;
        }
        let Some(last) = t.on_prem_last_sync.as_deref().and_then(parse_time) else { continue };
        let clock = ctx.options.data_clock(t.data_date.as_ref());
        let as_of = clock.at;
        let age = as_of - last;
        if age.whole_days() <= max_days {
            continue;
        }
        let days = age.whole_days();
        let title = format!(
            "{}: directory sync is enabled but the last sync was {} ({days} days before {}; threshold {max_days} days)",
            t.name,
            t.on_prem_last_sync.as_deref().unwrap_or_default(),
            as_of.date()
        );
        let ev = evidence([
            ("tenant", s(t.name.clone())),
            ("onPremisesSyncEnabled", json!(true)),
            ("onPremisesLastSyncDateTime", s(t.on_prem_last_sync.clone().unwrap_or_default())),
            ("judged_at", s(as_of.date().to_string())),
            ("judged_at_source", s(clock.from)),
            ("age_days", json!(days)),
            ("max_age_days", json!(max_days)),
            (
                "consequence",
                s(
                    "changes made in AD since then (new users, disabled leavers, password changes) are not in the tenant",
                ),
            ),
            ("steps", json!(restart_steps(days))),
        ]);
        let mut f = finding(STALE, title, vec![tenant_subject(estate, i as u32)], ev, "");
        if days > ctx.params().sy001.high_after_days {
            f.severity = Severity::High;
        }
        out.push(f);
    }
    out
}

/// The safe order to restart a sync server stopped for `days` days: staging mode first, review what it
/// would export (deletions against the deletion threshold), check the Connect version, then export.
pub fn restart_steps(days: i64) -> Vec<String> {
    vec![
        format!(
            "1. Do not simply restart the scheduler: after {days} days the first cycle would export every change at \
             once. Put the server in staging mode first (Entra Connect wizard: Configure staging mode), or build a new \
             server in staging mode."
        ),
        "2. Check the Entra Connect version and upgrade an unsupported or retired build before it exports anything \
         (Get-ADSyncGlobalSettings / the installed program version)."
            .to_string(),
        "3. Run a full import and synchronisation in staging mode and review the pending exports \
         (csexport <connector> export.xml /f:x, or the Synchronization Service Manager): adds, updates and above all \
         deletions — objects deleted or moved in AD while sync was stopped."
            .to_string(),
        "4. Compare the pending deletions with the export deletion threshold (Get-ADSyncExportDeletionThreshold, \
         default 500); never raise or disable it to let an unexplained mass deletion through."
            .to_string(),
        "5. Only then leave staging mode and let the export run; check the provisioning errors afterwards \
         (Get-MgUser -All -Property id,userPrincipalName,onPremisesProvisioningErrors, Graph permission User.Read.All)."
            .to_string(),
    ]
}
