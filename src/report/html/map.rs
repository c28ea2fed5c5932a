//! The estate map's view model and layout: forests and subscriptions left, tenants (then foreign tenants)
//! in the middle, domains right; clusters of duplicate directories boxed. Drawn by the template as SVG.

use super::MAX_MAP_NODES;
use crate::findings::Category;
use crate::graph::{Edge, Node};
use crate::report::RunSummary;
use std::collections::{BTreeMap, BTreeSet, HashMap};

/// The rule whose findings name the tenants of one duplicate-directory cluster.
const CLUSTER_RULE: &str = "DD001";

/// A node of the estate map.
pub(super) struct MapNode {
    pub(super) x: i32,
    pub(super) y: i32,
    pub(super) w: i32,
    pub(super) label: String,
    pub(super) full: String,
    pub(super) class: &'static str,
    pub(super) tx: i32,
    pub(super) ty: i32,
}

pub(super) struct MapEdge {
    pub(super) d: String,
    pub(super) class: &'static str,
}

pub(super) struct MapHeading {
    pub(super) x: i32,
    pub(super) y: i32,
    pub(super) label: &'static str,
}

pub(super) struct MapBox {
    pub(super) x: i32,
    pub(super) y: i32,
    pub(super) w: i32,
    pub(super) h: i32,
    pub(super) label: String,
    pub(super) ly: i32,
}

pub(super) struct EstateMap {
    pub(super) width: i32,
    pub(super) height: i32,
    pub(super) nodes: Vec<MapNode>,
    pub(super) edges: Vec<MapEdge>,
    pub(super) headings: Vec<MapHeading>,
    pub(super) clusters: Vec<MapBox>,
    pub(super) empty: bool,
}

const NODE_W: i32 = 230;
const NODE_H: i32 = 30;
const ROW: i32 = 40;
const COL_X: [i32; 3] = [20, 360, 700];
const MAP_W: i32 = 950;

fn label(s: &str) -> String {
    if s.chars().count() > 30 { format!("{}…", s.chars().take(29).collect::<String>()) } else { s.to_string() }
}

/// Lays out the estate map: forests and subscriptions left, tenants (then foreign tenants) in the
/// middle, domains right; clusters of duplicate directories are boxed.
pub(super) fn estate_map(s: &RunSummary<'_>) -> EstateMap {
    let e = &s.ingested.estate;
    let g = s.graph;
    let mut nodes = Vec::new();
    let mut edges = Vec::new();
    let mut headings = Vec::new();
    let mut clusters = Vec::new();
    // Clusters: tenants named together by a duplicate-directories finding (DD001). DD002 names tenants
    // declared separate in estate.toml: they are never boxed together, nor is any pair declared separate.
    let tenant_by_id: HashMap<String, usize> =
        e.tenants.iter().enumerate().filter_map(|(i, t)| t.id.as_ref().map(|id| (id.to_lowercase(), i))).collect();
    let separate = |a: usize, b: usize| {
        e.tenants[a].separate_from.contains(&(b as u32)) || e.tenants[b].separate_from.contains(&(a as u32))
    };
    let mut cluster_of: Vec<Option<usize>> = vec![None; e.tenants.len()];
    let mut n_clusters = 0;
    for f in s.findings.iter().filter(|f| f.category == Category::DuplicateDirectories && f.rule == CLUSTER_RULE) {
        let mut members: Vec<usize> = Vec::new();
        for m in f.subjects.iter().filter(|x| x.kind == "tenant") {
            if let Some(&t) = tenant_by_id.get(&m.id.to_lowercase())
                && !members.iter().any(|&o| o == t || separate(o, t))
            {
                members.push(t);
            }
        }
        if members.len() < 2 {
            continue;
        }
        let c = members.iter().find_map(|&m| cluster_of[m]).unwrap_or_else(|| {
            n_clusters += 1;
            n_clusters - 1
        });
        for m in members {
            cluster_of[m] = Some(c);
        }
    }
    // Tenant order: clustered tenants together, then by name.
    let mut order: Vec<usize> = (0..e.tenants.len()).collect();
    order.sort_by_key(|&i| (cluster_of[i].unwrap_or(usize::MAX), e.tenants[i].name.to_lowercase()));
    let mut tenant_y: HashMap<usize, i32> = HashMap::new();
    let mut y = 50;
    headings.push(MapHeading { x: COL_X[1], y: 30, label: "Tenants" });
    for (k, &t) in order.iter().enumerate() {
        if k == MAX_MAP_NODES {
            nodes.push(more_node(COL_X[1], y, order.len() - k));
            y += ROW;
            break;
        }
        let name = &e.tenants[t].name;
        let full = match &e.tenants[t].id {
            Some(id) => format!("{name} ({id})"),
            None => name.clone(),
        };
        nodes.push(node(COL_X[1], y, name, full, "node-tenant"));
        tenant_y.insert(t, y);
        y += ROW;
    }
    for c in 0..n_clusters {
        let ys: Vec<i32> = (0..e.tenants.len())
            .filter(|&t| cluster_of[t] == Some(c))
            .filter_map(|t| tenant_y.get(&t).copied())
            .collect();
        if let (Some(&lo), Some(&hi)) = (ys.iter().min(), ys.iter().max()) {
            clusters.push(MapBox {
                x: COL_X[1] - 10,
                y: lo - 18,
                w: NODE_W + 20,
                h: hi - lo + NODE_H + 26,
                label: format!("duplicate directories #{}", c + 1),
                ly: lo - 6,
            });
        }
    }
    let mut foreign_y: HashMap<usize, i32> = HashMap::new();
    if !g.foreign_tenants.is_empty() {
        y += 10;
        headings.push(MapHeading { x: COL_X[1], y, label: "Foreign tenants (not exported)" });
        y += 20;
        for (k, (id, _)) in g.foreign_tenants.iter().enumerate() {
            if k == MAX_MAP_NODES {
                nodes.push(more_node(COL_X[1], y, g.foreign_tenants.len() - k));
                y += ROW;
                break;
            }
            nodes.push(node(COL_X[1], y, id, id.clone(), "node-foreign"));
            foreign_y.insert(k, y);
            y += ROW;
        }
    }
    let mid_bottom = y;
    // Left: forests, then subscriptions.
    let mut y = 50;
    headings.push(MapHeading { x: COL_X[0], y: 30, label: "Forests" });
    for (k, f) in e.forests.iter().enumerate() {
        if k == MAX_MAP_NODES {
            nodes.push(more_node(COL_X[0], y, e.forests.len() - k));
            y += ROW;
            break;
        }
        let full = format!("{} ({})", f.name, f.domains.join(", "));
        nodes.push(node(COL_X[0], y, &f.name, full, "node-forest"));
        for &t in &f.syncs_to {
            if let Some(&ty) = tenant_y.get(&(t as usize)) {
                edges.push(edge(COL_X[0] + NODE_W, y, COL_X[1], ty, "edge-sync"));
            }
        }
        y += ROW;
    }
    // One box per subscription (graph node), whatever the number of exports that list it.
    let mut sub_y: HashMap<u32, i32> = HashMap::new();
    let mut subs: Vec<(u32, Vec<usize>)> = Vec::new();
    let mut at: HashMap<u32, usize> = HashMap::new();
    for (i, n) in g.subscriptions.iter().enumerate() {
        if let Node::Subscription(first) = g.graph[*n] {
            let k = *at.entry(first).or_insert_with(|| {
                subs.push((first, Vec::new()));
                subs.len() - 1
            });
            subs[k].1.push(i);
        }
    }
    if !subs.is_empty() {
        y += 10;
        headings.push(MapHeading { x: COL_X[0], y, label: "Subscriptions" });
        y += 20;
        for (k, (first, records)) in subs.iter().enumerate() {
            if k == MAX_MAP_NODES {
                nodes.push(more_node(COL_X[0], y, subs.len() - k));
                y += ROW;
                break;
            }
            let sub = &e.subscriptions[*first as usize];
            let name =
                records.iter().find_map(|&r| e.subscriptions[r].display_name.clone()).unwrap_or_else(|| sub.id.clone());
            let seen = if records.len() > 1 { format!(", in {} exports", records.len()) } else { String::new() };
            nodes.push(node(COL_X[0], y, &name, format!("{name} ({}{seen})", sub.id), "node-subscription"));
            sub_y.insert(*first, y);
            y += ROW;
        }
    }
    let left_bottom = y;
    // Subscription → tenant edges from the graph.
    let mut seen = BTreeSet::new();
    for er in g.graph.edge_indices() {
        let Some((a, b)) = g.graph.edge_endpoints(er) else { continue };
        let (Node::Subscription(si), w) = (g.graph[a], g.graph[er]) else { continue };
        let class = match w {
            Edge::Trusts => "edge-trust",
            Edge::ManagedBy => "edge-managed",
            _ => continue,
        };
        let Some(&sy) = sub_y.get(&si) else { continue };
        let ty = match g.graph[b] {
            Node::Tenant(t) => tenant_y.get(&(t as usize)).copied(),
            Node::ForeignTenant(f) => foreign_y.get(&(f as usize)).copied(),
            _ => None,
        };
        if let Some(ty) = ty
            && seen.insert((si, ty, class))
        {
            edges.push(edge(COL_X[0] + NODE_W, sy, COL_X[1], ty, class));
        }
    }
    // Right: one box per domain name, in tenant order, with an edge from every tenant that lists it (a
    // name registered in two tenants, or listed by several exports of one tenant, is drawn once).
    let federated: BTreeSet<(u32, String)> =
        e.federations.iter().filter_map(|f| f.domain.as_ref().map(|d| (f.tenant, d.to_lowercase()))).collect();
    let rank: HashMap<usize, usize> = order.iter().enumerate().map(|(r, &t)| (t, r)).collect();
    // name → (tenant → verified by any record), ordered by the first tenant's rank.
    let mut by_name: BTreeMap<String, BTreeMap<u32, bool>> = BTreeMap::new();
    for dom in &e.domains {
        let verified = by_name.entry(dom.name.to_lowercase()).or_default().entry(dom.tenant).or_insert(false);
        *verified |= dom.is_verified != Some(false);
    }
    let tenant_rank = |t: u32| rank.get(&(t as usize)).copied().unwrap_or(usize::MAX);
    let mut doms: Vec<(String, BTreeMap<u32, bool>)> = by_name.into_iter().collect();
    doms.sort_by_key(|(name, tenants)| (tenants.keys().map(|&t| tenant_rank(t)).min(), name.clone()));
    let mut y = 50;
    headings.push(MapHeading { x: COL_X[2], y: 30, label: "Domains" });
    for (k, (name, tenants)) in doms.iter().enumerate() {
        if k == MAX_MAP_NODES {
            nodes.push(more_node(COL_X[2], y, doms.len() - k));
            y += ROW;
            break;
        }
        let fed = tenants.keys().any(|&t| federated.contains(&(t, name.clone())))
            || e.domains.iter().any(|d| {
                d.name.eq_ignore_ascii_case(name)
                    && d.authentication_type.as_deref().is_some_and(|a| a.eq_ignore_ascii_case("federated"))
            });
        let class = if fed { "node-domain node-federated" } else { "node-domain" };
        let shown = if fed { format!("{name} ⇄ federated") } else { name.clone() };
        let status: Vec<String> = if tenants.len() > 1 {
            tenants
                .iter()
                .map(|(&t, &v)| {
                    format!("{} in {}", if v { "verified" } else { "not verified" }, e.tenants[t as usize].name)
                })
                .collect()
        } else {
            tenants.values().filter(|v| !**v).map(|_| "not verified".to_string()).collect()
        };
        let full = format!(
            "{name}{}{}",
            if fed { ", federated" } else { "" },
            status.iter().map(|x| format!(", {x}")).collect::<String>()
        );
        nodes.push(node(COL_X[2], y, &shown, full, class));
        for (&t, &verified) in tenants {
            if let Some(&ty) = tenant_y.get(&(t as usize)) {
                edges.push(edge(
                    COL_X[1] + NODE_W,
                    ty,
                    COL_X[2],
                    y,
                    if verified { "edge-verified" } else { "edge-unverified" },
                ));
            }
        }
        y += ROW;
    }
    let height = mid_bottom.max(left_bottom).max(y) + 10;
    EstateMap { width: MAP_W, height, empty: nodes.is_empty(), nodes, edges, headings, clusters }
}

fn node(x: i32, y: i32, shown: &str, full: String, class: &'static str) -> MapNode {
    MapNode { x, y, w: NODE_W, label: label(shown), full, class, tx: x + 10, ty: y + 19 }
}

fn more_node(x: i32, y: i32, n: usize) -> MapNode {
    node(x, y, &format!("+{n} more (see report.json)"), format!("{n} more not drawn"), "node-more")
}

fn edge(x1: i32, y1: i32, x2: i32, y2: i32, class: &'static str) -> MapEdge {
    let (y1, y2) = (y1 + NODE_H / 2, y2 + NODE_H / 2);
    let mx = (x1 + x2) / 2;
    MapEdge { d: format!("M{x1},{y1} C{mx},{y1} {mx},{y2} {x2},{y2}"), class }
}
