use super::*;

/// SY006: UPN replaced by `<prefix><4 digits>@<initial domain>` by duplicate attribute resiliency.
pub(super) fn quarantined(ctx: &Context<'_>) -> Vec<Finding> {
    let estate = ctx.estate();
    let graph = ctx.graph;
    let digits = ctx.params().sy006.suffix_digits;
    // Initial (*.onmicrosoft.com) domains per tenant.
    let mut initial: HashMap<u32, BTreeSet<String>> = HashMap::new();
    for (i, t) in estate.tenants.iter().enumerate() {
        for d in t.verified_domains.iter().filter(|d| d.is_initial == Some(true)) {
            initial.entry(i as u32).or_default().insert(d.name.to_lowercase());
        }
    }
    for d in estate.domains.iter().filter(|d| d.is_initial == Some(true)) {
        initial.entry(d.tenant).or_default().insert(d.name.to_lowercase());
    }
    let is_initial = |t: u32, dom: &str| match initial.get(&t) {
        Some(set) => set.contains(dom),
        None => dom.ends_with(".onmicrosoft.com") && dom.matches('.').count() == 2,
    };
    let mut out: Vec<Finding> = (0..estate.cloud_objects.len() as u32)
        .into_par_iter()
        .filter_map(|ci| {
            let c = &estate.cloud_objects[ci as usize];
            let upn = c.upn.as_deref()?;
            let (local, dom) = local_part(upn)?;
            // The digits first: most UPNs do not end so, and need no lower-cased domain.
            if local.len() <= digits || !local.is_char_boundary(local.len() - digits) {
                return None;
            }
            let (prefix, tail) = local.split_at(local.len() - digits);
            if prefix.is_empty()
                || !tail.bytes().all(|b| b.is_ascii_digit())
                || !is_initial(c.tenant, &dom.to_lowercase())
            {
                return None;
            }
            // Corroborate: the on-premises UPN (Graph) or the hard-linked AD twin's UPN starts with the prefix
            // and is not itself in the initial domain.
            let node = graph.cloud_objects[ci as usize];
            let twin: Option<u32> = graph.graph.edges_directed(node, Direction::Incoming).find_map(|e| {
                match (e.weight(), graph.graph[e.source()]) {
                    (Edge::AnchoredTo(_), Node::AdObject(a)) => Some(a),
                    _ => None,
                }
            });
            let original =
                c.on_prem_upn.clone().or_else(|| twin.and_then(|a| estate.ad_objects[a as usize].upn.clone()))?;
            let (olocal, odom) = local_part(&original)?;
            if !olocal.eq_ignore_ascii_case(prefix) || is_initial(c.tenant, &odom.to_lowercase()) {
                return None;
            }
            if c.on_prem_sync_enabled != Some(true) && twin.is_none() {
                return None;
            }
            // Who holds the original value in the tenant (UPN or primary SMTP of another object).
            let key = original.as_str().to_lowercase();
            let mut holders: Vec<u32> = graph
                .indexes
                .cloud_by_upn
                .get(&estate.cloud_objects, &key)
                .iter()
                .chain(graph.indexes.cloud_by_smtp.get(&estate.cloud_objects, &key).iter())
                .copied()
                .filter(|&h| h != ci && estate.cloud_objects[h as usize].tenant == c.tenant)
                .collect();
            holders.sort_unstable();
            holders.dedup();
            let title = format!(
                "{}: UPN quarantined to {upn} because {original} conflicts with another object (duplicate attribute \
                 resiliency)",
                c.label()
            );
            let ev = evidence([
                ("quarantined_upn", s(upn)),
                ("original_upn", s(original.clone())),
                ("tenant", s(estate.tenants[c.tenant as usize].name.clone())),
                (
                    "conflicting_cloud_objects",
                    json!(holders.iter().map(|&h| estate.cloud_objects[h as usize].label()).collect::<Vec<_>>()),
                ),
                (
                    "provisioning_errors",
                    s("list them with Get-MgUser -All -Property id,userPrincipalName,onPremisesProvisioningErrors \
                       (Graph permission User.Read.All)"),
                ),
            ]);
            let mut subjects = vec![cloud_subject(estate, c)];
            if let Some(a) = twin {
                subjects.push(ad_subject(&estate.ad_objects[a as usize]));
            }
            subjects.extend(holders.iter().map(|&h| cloud_subject(estate, &estate.cloud_objects[h as usize])));
            Some(finding(QUARANTINED, title, subjects, ev, upn.to_lowercase()))
        })
        .collect();
    out.sort_by(|a, b| a.subjects[0].source.cmp(&b.subjects[0].source));
    out
}

/// SY007/SY008: a forest synced into several tenants; several forests writing one tenant with
/// different anchor attributes.
pub(super) fn topology(ctx: &Context<'_>) -> Vec<Finding> {
    let estate = ctx.estate();
    let graph = ctx.graph;
    let decisions = ctx.anchor_decisions();
    // (forest, tenant) -> (synced links, first AD object, links per anchor source)
    let mut links: BTreeMap<(u32, u32), (usize, u32, [usize; 2])> = BTreeMap::new();
    for (i, o) in estate.ad_objects.iter().enumerate() {
        for (c, src) in graph.anchored_cloud_objects(i as u32) {
            let co = &estate.cloud_objects[c as usize];
            if co.on_prem_sync_enabled != Some(true) {
                continue;
            }
            let e = links.entry((o.forest, co.tenant)).or_insert((0, i as u32, [0, 0]));
            e.0 += 1;
            e.2[if src == AnchorSource::ObjectGuid { 0 } else { 1 }] += 1;
        }
    }
    let mut out = Vec::new();
    let forest_subject = |f: u32, a: u32| Subject {
        kind: "forest".into(),
        id: estate.forests[f as usize].name.clone(),
        display: estate.forests[f as usize].name.clone(),
        source: Some(estate.ad_objects[a as usize].source),
    };
    let mut by_forest: BTreeMap<u32, Vec<(u32, usize, u32)>> = BTreeMap::new();
    let mut by_tenant: BTreeMap<u32, Vec<(u32, usize, u32)>> = BTreeMap::new();
    for (&(f, t), &(n, a, _)) in &links {
        by_forest.entry(f).or_default().push((t, n, a));
        by_tenant.entry(t).or_default().push((f, n, a));
    }
    let targets = ctx.targets();
    for (f, ts) in &by_forest {
        // Stray twins (a handful in a tenant the forest does not otherwise feed) are AN007's anomaly,
        // not a second target of the forest.
        let max = ts.iter().map(|x| x.1).max().unwrap_or(0);
        let ts: Vec<(u32, usize, u32)> = ts
            .iter()
            .copied()
            .filter(|(t, n, _)| !(targets.is_stray(*f, *t) && crate::rules::targets::is_stray_count(*n, max)))
            .collect();
        if ts.len() < 2 {
            continue;
        }
        let forest = &estate.forests[*f as usize];
        let names: Vec<&str> = ts.iter().map(|(t, _, _)| estate.tenants[*t as usize].name.as_str()).collect();
        let declared = ts.iter().all(|(t, _, _)| forest.syncs_to.contains(t));
        let title = format!(
            "Forest {}: objects are synced into {} tenants ({}) — one forest to several tenants needs one Azure AD \
             Connect server per tenant{}",
            forest.name,
            ts.len(),
            names.join(", "),
            if declared { "" } else { "; the manifest does not declare all of them in syncs_to" }
        );
        let ev = evidence([
            ("forest", s(forest.name.clone())),
            (
                "synced_links_per_tenant",
                json!(
                    ts.iter()
                        .map(|(t, n, _)| json!({"tenant": estate.tenants[*t as usize].name, "objects": n}))
                        .collect::<Vec<_>>()
                ),
            ),
            ("declared_in_syncs_to", json!(declared)),
            (
                "constraints",
                s("the same verified domain cannot exist in both tenants; device, group and Exchange hybrid \
                   writeback from one tenant only; Seamless SSO and hybrid join work for one tenant"),
            ),
        ]);
        let mut subjects = vec![forest_subject(*f, ts[0].2)];
        subjects.extend(ts.iter().map(|(t, _, _)| tenant_subject(estate, *t)));
        let mut fi = finding(FOREST_MULTI_TENANT, title, subjects, ev, "");
        if declared {
            fi.severity = Severity::Info;
        }
        out.push(fi);
    }
    for (t, fs) in by_tenant.iter().filter(|(_, v)| v.len() > 1) {
        let attrs: BTreeSet<&str> =
            fs.iter().filter_map(|(f, _, _)| decisions.get(*f as usize).map(|d| d.attr.as_str())).collect();
        if attrs.len() < 2 {
            continue;
        }
        let tname = &estate.tenants[*t as usize].name;
        let per: Vec<Value> = fs
            .iter()
            .map(|(f, n, _)| {
                let d = &decisions[*f as usize];
                json!({"forest": estate.forests[*f as usize].name, "synced_objects": n, "anchor_attribute": d.attr.as_str(), "decided_by": d.how})
            })
            .collect();
        let title = format!(
            "{tname}: {} forests write this tenant with different anchor attributes ({}) — no shared anchor scheme",
            fs.len(),
            attrs.iter().copied().collect::<Vec<_>>().join(" and ")
        );
        let ev = evidence([("tenant", s(tname.clone())), ("forests", Value::Array(per))]);
        let mut subjects = vec![tenant_subject(estate, *t)];
        subjects.extend(fs.iter().map(|(f, _, a)| forest_subject(*f, *a)));
        out.push(finding(MIXED_ANCHORS, title, subjects, ev, ""));
    }
    out
}
