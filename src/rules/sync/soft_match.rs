use super::*;

/// SY002/SY003/SY004: soft-match candidates (primary SMTP, then UPN) and admin-role holders that would match.
pub(super) fn soft_matches(ctx: &Context<'_>) -> Vec<Finding> {
    let estate = ctx.estate();
    let graph = ctx.graph;
    if estate.ad_objects.is_empty() {
        return Vec::new();
    }
    let targets = ctx.targets();
    let decisions = ctx.anchor_decisions();
    let settings = settings_of(estate);
    // Role holders: cloud object -> roles (with the grant's source).
    let mut roles: HashMap<u32, Vec<usize>> = HashMap::new();
    for (gi, r) in estate.role_grants.iter().enumerate() {
        if let Some(c) = graph.indexes.cloud_by_id(&estate.cloud_objects, r.tenant, &r.principal_id) {
            roles.entry(c).or_default().push(gi);
        }
    }
    (0..estate.ad_objects.len() as u32)
        .into_par_iter()
        .flat_map_iter(|a| {
            let o = &estate.ad_objects[a as usize];
            let mut out = Vec::new();
            if o.is_critical_system_object == Some(true) {
                return out;
            }
            let (tenants, tenants_how) = targets.of_object(estate, a);
            let node = graph.ad_objects[a as usize];
            // Tenants where the object is already hard-linked: hard match wins there.
            let mut hard_tenants = BTreeSet::new();
            let mut soft: BTreeMap<u32, Vec<SoftKey>> = BTreeMap::new();
            let mut hard_admin: Vec<u32> = Vec::new();
            for e in graph.graph.edges_directed(node, Direction::Outgoing) {
                let Node::CloudObject(c) = graph.graph[e.target()] else { continue };
                match e.weight() {
                    Edge::AnchoredTo(_) => {
                        let co = &estate.cloud_objects[c as usize];
                        hard_tenants.insert(co.tenant);
                        if roles.contains_key(&c)
                            && co.sync_fields_exported
                            && co.on_prem_sync_enabled != Some(true)
                            && tenants.contains(&co.tenant)
                            && !co.is_guest()
                        {
                            hard_admin.push(c);
                        }
                    }
                    Edge::SoftMatchCandidate(k) => soft.entry(c).or_default().push(*k),
                    _ => {}
                }
            }
            hard_admin.sort_unstable();
            hard_admin.dedup();
            for c in hard_admin {
                let co = &estate.cloud_objects[c as usize];
                let block_hard = settings
                    .get(&co.tenant)
                    .and_then(|s| s.features.get("blockCloudObjectTakeoverThroughHardMatchEnabled").copied());
                let role_names: BTreeSet<&str> =
                    roles[&c].iter().map(|&g| estate.role_grants[g].role.as_str()).collect();
                let role_ids = role_ids(estate, &roles[&c]);
                let title = format!(
                    "{}: cloud-managed {} holding {} already carries AD user {}'s anchor `{}` — the next sync \
                     hard-matches it{}",
                    co.label(),
                    co.upn.as_deref().unwrap_or(""),
                    role_names.iter().copied().collect::<Vec<_>>().join(", "),
                    o.label(),
                    co.immutable_id.as_deref().unwrap_or(""),
                    if block_hard == Some(true) {
                        " (blocked: blockCloudObjectTakeoverThroughHardMatchEnabled is on, InvalidHardMatch)"
                    } else {
                        " and takes the admin account over"
                    }
                );
                let ev = evidence([
                    ("tenant", s(estate.tenants[co.tenant as usize].name.clone())),
                    ("matched_on", json!(["ImmutableId (hard match)"])),
                    ("roles", json!(role_names)),
                    ("role_ids", json!(role_ids)),
                    ("blockCloudObjectTakeoverThroughHardMatchEnabled", json!(block_hard)),
                    (
                        "how_entra_decides",
                        s("a hard match on the ImmutableId makes the cloud object on-premises managed (attributes and, \
                           with password hash sync, the password come from AD) unless \
                           blockCloudObjectTakeoverThroughHardMatchEnabled is on, which refuses it with InvalidHardMatch"),
                    ),
                    (
                        "fix_order",
                        json!([
                            "keep admin accounts cloud-only: clear the cloud object's ImmutableId or exclude the AD object from sync",
                            "keep blockCloudObjectTakeoverThroughHardMatchEnabled on outside a planned matching window",
                        ]),
                    ),
                ]);
                let mut subjects = vec![ad_subject(o), cloud_subject(estate, co)];
                for &g in &roles[&c] {
                    let r = &estate.role_grants[g];
                    subjects.push(Subject {
                        kind: "role-grant".into(),
                        id: format!("{}/{}", subjects[1].id, r.role_id.as_deref().unwrap_or(&r.role)),
                        display: format!("{} ({})", r.role, co.label()),
                        source: Some(r.source),
                    });
                }
                let mut f = finding(ADMIN_MATCH, title, subjects, ev, format!("hard:{}", co.id.clone().unwrap_or_default()));
                if block_hard == Some(true) {
                    f.severity = Severity::Medium;
                }
                out.push(f);
            }
            for (c, keys) in soft {
                let co = &estate.cloud_objects[c as usize];
                if !tenants.contains(&co.tenant) || hard_tenants.contains(&co.tenant) || co.is_guest() {
                    continue;
                }
                if !kinds_compatible(o, co) || !co.sync_fields_exported {
                    continue; // unknown sync state: not "cloud-only"
                }
                let st = settings.get(&co.tenant).copied();
                let feature = |k: &str| st.and_then(|s| s.features.get(k).copied());
                let by_smtp = keys.contains(&SoftKey::PrimarySmtp);
                let upn_match_on = feature("softMatchOnUpnEnabled");
                if !by_smtp && upn_match_on == Some(false) {
                    continue; // UPN-only candidate, UPN soft match disabled: a UPN conflict, not a merge
                }
                let role_grants = roles.get(&c).map(Vec::as_slice).unwrap_or(&[]);
                let expected =
                    expected_anchor(o, decisions.get(o.forest as usize).map(|d| d.attr).unwrap_or(AnchorAttr::ObjectGuid));
                let keys_txt: Vec<&str> = keys
                    .iter()
                    .map(|k| match k {
                        SoftKey::PrimarySmtp => "primary SMTP address",
                        SoftKey::Upn => "userPrincipalName",
                    })
                    .collect();
                let mut ev = evidence([
                    ("tenant", s(estate.tenants[co.tenant as usize].name.clone())),
                    ("matched_on", json!(keys_txt)),
                    ("ad_userPrincipalName", json!(o.upn)),
                    ("ad_primary_smtp", json!(o.primary_smtp())),
                    ("cloud_userPrincipalName", json!(co.upn)),
                    ("cloud_primary_smtp", json!(co.primary_smtp())),
                    ("target_tenants_from", s(tenants_how.as_str())),
                    ("blockSoftMatchEnabled", json!(feature("blockSoftMatchEnabled"))),
                    ("softMatchOnUpnEnabled", json!(upn_match_on)),
                ]);
                if let Some(x) = &expected {
                    ev.insert("ad_anchor".into(), s(x.clone()));
                }
                let mut subjects = vec![ad_subject(o), cloud_subject(estate, co)];
                let disc = co.id.as_deref().map(String::from).unwrap_or_else(|| co.label());
                let block_soft = feature("blockSoftMatchEnabled");
                // One decision for the pair, shared with the duplicates family.
                let predicted = predict(&Pair {
                    anchor_equal: false,
                    soft_key: true,
                    same_kind: true,
                    group_clash: false,
                    ad_is_new: true,
                    cloud_has_immutable_id: co.immutable_id.as_deref().is_some_and(|v| !v.trim().is_empty()),
                    cloud_synced: co.on_prem_sync_enabled == Some(true),
                    cloud_admin: !role_grants.is_empty(),
                    block_soft_match: block_soft == Some(true),
                });
                ev.insert("predicted_outcome".into(), s(predicted.code()));
                ev.insert("predicted_outcome_text".into(), s(predicted.describe()));
                if predicted == Outcome::InvalidSoftMatch {
                    let other = co.immutable_id.as_deref().unwrap_or_default();
                    // SY003: the target already has an anchor — InvalidSoftMatch.
                    ev.insert("cloud_immutable_id".into(), s(other));
                    let title = format!(
                        "{}: soft match with {} in {} fails with InvalidSoftMatch: the cloud object already holds \
                         ImmutableId `{other}`{}",
                        o.label(),
                        co.label(),
                        estate.tenants[co.tenant as usize].name,
                        expected.as_deref().map(|x| format!(", not this object's anchor `{x}`")).unwrap_or_default()
                    );
                    if let Some(x) = &expected {
                        ev.insert("proposed_value".into(), s(x.clone()));
                        let id = co.id.as_deref().map(String::from).unwrap_or_else(|| co.label());
                        ev.insert(
                            "commands".into(),
                            json!([format!("Update-MgUser -UserId {id} -OnPremisesImmutableId '{x}'")]),
                        );
                    }
                    let case = if expected.is_some() { "with_anchor" } else { "without_anchor" };
                    out.push(finding_case(INVALID_SOFT, case, title, subjects, ev, disc));
                    continue;
                }
                if !role_grants.is_empty() && matches!(predicted, Outcome::AdminRoleConflict | Outcome::SoftMatchBlocked) {
                    // SY004: Existing Admin Role Conflict (or, while blockSoftMatchEnabled is on, the block).
                    let role_names: BTreeSet<&str> =
                        role_grants.iter().map(|&g| estate.role_grants[g].role.as_str()).collect();
                    ev.insert("roles".into(), json!(role_names));
                    ev.insert("role_ids".into(), json!(role_ids(estate, role_grants)));
                    ev.insert(
                        "how_entra_decides".into(),
                        s("by default Entra refuses to match an on-premises user to a cloud user holding an admin \
                           role (Existing Admin Role Conflict): the AD user is not joined to the administrator and \
                           its export fails on every sync cycle. If the role is removed while soft match is allowed, \
                           the next sync takes the account over: every attribute is overwritten from AD and, with \
                           password hash sync, the password is replaced."),
                    );
                    ev.insert(
                        "fix_order".into(),
                        json!([
                            "decide whether the admin should stay cloud-only (recommended for admin accounts): then rename the AD user's UPN/SMTP or exclude it from sync",
                            "to merge on purpose: remove the roles, sync, verify, restore the roles (and hard-delete a leftover duplicate object if an earlier sync created one)",
                            "keep blockSoftMatchEnabled on outside a planned matching window",
                        ]),
                    );
                    let title = format!(
                        "{}: cloud-only {} holding {} has the same {} as AD user {} — {}{}",
                        co.label(),
                        co.upn.as_deref().unwrap_or(""),
                        role_names.iter().copied().collect::<Vec<_>>().join(", "),
                        keys_txt.join(" and "),
                        o.label(),
                        predicted.describe(),
                        if block_soft == Some(false) {
                            " (blockSoftMatchEnabled is off: takeover once the role is removed)"
                        } else {
                            ""
                        }
                    );
                    for &g in role_grants {
                        let r = &estate.role_grants[g];
                        subjects.push(Subject {
                            kind: "role-grant".into(),
                            id: format!("{}/{}", subjects[1].id, r.role_id.as_deref().unwrap_or(&r.role)),
                            display: format!("{} ({})", r.role, co.label()),
                            source: Some(r.source),
                        });
                    }
                    let mut f = finding(ADMIN_MATCH, title, subjects, ev, disc);
                    if block_soft == Some(true) {
                        f.severity = Severity::Medium;
                    }
                    out.push(f);
                    continue;
                }
                if predicted != Outcome::SoftMatchMerge {
                    continue; // blocked tenant-wide or already synchronised: a conflict (duplicates), not a merge
                }
                let title = format!(
                    "{}: cloud-only {} in {} has the same {} — {}",
                    o.label(),
                    co.label(),
                    estate.tenants[co.tenant as usize].name,
                    keys_txt.join(" and "),
                    predicted.describe()
                );
                ev.insert(
                    "consequence".into(),
                    s("on match the cloud object becomes on-premises managed: every attribute with an AD value is \
                       overwritten and, with password hash sync, the cloud password is replaced"),
                );
                if let Some(x) = &expected {
                    let id = co.id.as_deref().map(String::from).unwrap_or_else(|| co.label());
                    ev.insert(
                        "commands".into(),
                        json!([format!(
                            "Update-MgUser -UserId {id} -OnPremisesImmutableId '{x}'   # hard-match on purpose instead"
                        )]),
                    );
                }
                if let Some(why) = new_starter(ctx, o, co) {
                    // HR created the cloud account ahead of the AD account: the merge is the onboarding path.
                    ev.insert("new_starter".into(), why);
                    let title = format!(
                        "{}: cloud-only {} in {} has the same {} — a new starter's account created ahead of the AD \
                         account: {} (the intended onboarding path; confirm it)",
                        o.label(),
                        co.label(),
                        estate.tenants[co.tenant as usize].name,
                        keys_txt.join(" and "),
                        predicted.describe()
                    );
                    let mut f = finding_case(SOFT_MERGE, "confirm_intent", title, subjects, ev, disc);
                    f.severity = Severity::Low;
                    out.push(f);
                    continue;
                }
                let mut f = finding(SOFT_MERGE, title, subjects, ev, disc);
                if block_soft == Some(false) {
                    f.severity = Severity::High;
                }
                out.push(f);
            }
            out
        })
        .collect()
}

/// SY002's new-starter case: the cloud-only account was created within `new_starter_days` of the tenant's
/// data clock, and the AD object too (whenCreated) or the two carry the same employeeId — HR created the
/// cloud account first and the soft match is how the two are meant to meet. The evidence, or `None`.
fn new_starter(ctx: &Context<'_>, o: &AdObject, co: &CloudObject) -> Option<Value> {
    let days = ctx.params().sy002.new_starter_days;
    let clock = ctx.options.data_clock(ctx.estate().tenants.get(co.tenant as usize)?.data_date.as_ref());
    let age = |v: &str| parse_time(v).map(|t| (clock.at - t).whole_days().max(0));
    let cloud_age = age(co.created.as_deref()?)?;
    if cloud_age > days {
        return None;
    }
    let ad_age = o.when_created.as_deref().and_then(age);
    let norm = |v: &str| v.trim().trim_start_matches('0').to_ascii_lowercase();
    let same_employee = match (o.employee_id.as_deref(), co.employee_id.as_deref()) {
        (Some(a), Some(c)) => !a.trim().is_empty() && norm(a) == norm(c),
        _ => false,
    };
    if !(ad_age.is_some_and(|a| a <= days) || same_employee) {
        return None;
    }
    Some(json!({
        "cloud_createdDateTime": co.created,
        "cloud_created_days_before": cloud_age,
        "ad_whenCreated": o.when_created,
        "ad_created_days_before": ad_age,
        "employee_id_agrees": same_employee,
        "employeeId": if same_employee { o.employee_id.as_deref() } else { None },
        "new_starter_days": days,
        "judged_at": clock.at.date().to_string(),
        "judged_at_source": clock.from,
    }))
}

/// SY005: blockSoftMatchEnabled / blockCloudObjectTakeoverThroughHardMatchEnabled off.
pub(super) fn takeover_switches(ctx: &Context<'_>) -> Vec<Finding> {
    let estate = ctx.estate();
    let mut out = Vec::new();
    for st in &estate.sync_settings {
        let t = estate.tenants.get(st.tenant as usize);
        if t.is_some_and(|t| t.on_prem_sync_enabled == Some(false)) {
            continue;
        }
        let off: Vec<&str> = ["blockSoftMatchEnabled", "blockCloudObjectTakeoverThroughHardMatchEnabled"]
            .into_iter()
            .filter(|k| st.features.get(*k) == Some(&false))
            .collect();
        if off.is_empty() {
            continue;
        }
        let name = t.map(|t| t.name.clone()).unwrap_or_default();
        let title = format!(
            "{name}: {} off — a cloud-only account (including an admin) can be taken over by an on-premises object",
            off.join(" and ")
        );
        let cmd = format!(
            "Update-MgDirectoryOnPremiseSynchronization -OnPremisesDirectorySynchronizationId {} -Features @{{{}}}",
            t.and_then(|t| t.id.clone()).unwrap_or_else(|| "<tenant id>".into()),
            off.iter().map(|k| format!("{k}=$true")).collect::<Vec<_>>().join("; ")
        );
        let entra = format!(
            "Set-EntraDirSyncFeature -Features {} -Enabled $true",
            off.iter()
                .map(|k| if *k == "blockSoftMatchEnabled" {
                    "BlockSoftMatch"
                } else {
                    "BlockCloudObjectTakeoverThroughHardMatch"
                })
                .collect::<Vec<_>>()
                .join(",")
        );
        let ev = evidence([
            ("tenant", s(name.clone())),
            ("features_off", json!(off)),
            ("softMatchOnUpnEnabled", json!(st.features.get("softMatchOnUpnEnabled"))),
            ("commands", json!([cmd, entra])),
            (
                "permissions",
                s(
                    "Update-MgDirectoryOnPremiseSynchronization: Graph permission OnPremDirectorySynchronization.ReadWrite.All \
                   (role Hybrid Identity Administrator); Set-EntraDirSyncFeature (Microsoft Entra PowerShell): Global Administrator",
                ),
            ),
            (
                "steps",
                json!([
                    "1. First finish the repairs that need a hard or soft match in this tenant: re-anchoring (AN001-AN004, \
                     AN008), intended merges of cloud-only accounts (SY002) and hard matches of federated users (FE009). \
                     Turning the blocks on first makes those repairs fail (InvalidHardMatch, a duplicate instead of a merge).",
                    "2. Deal with cloud accounts that must never be matched (administrators, SY004) by renaming or excluding \
                     the AD object.",
                    "3. Then turn the blocks on (commands) and keep them on; turn them off again only for a planned matching \
                     window, and back on when it closes.",
                ]),
            ),
        ]);
        let mut subject = tenant_subject(estate, st.tenant);
        subject.source = Some(st.source);
        out.push(finding(TAKEOVER_OPEN, title, vec![subject], ev, off.join(",")));
    }
    out
}
