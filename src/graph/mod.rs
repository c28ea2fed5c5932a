//! Stage 2 — the estate graph: forests, AD objects, tenants, cloud objects, domains, federation
//! settings, subscriptions and external (guest or personal) accounts as nodes of one petgraph
//! graph, joined by typed edges.
//!
//! Every join is a lookup in a table built once (see [`KeyIndex`]): anchors are indexed once, soft-match keys
//! once, tenants by id once. Nodes carry only their kind and an index into the [`Estate`]'s vectors,
//! so the graph stays small next to the records.

pub mod external;

pub mod key_index;

pub use key_index::KeyIndex;

use crate::hash::FastMap as HashMap;
use crate::model::text::TrimFast as _;
use crate::model::*;
use petgraph::stable_graph::{NodeIndex, StableDiGraph};
use petgraph::visit::EdgeRef;
use serde::Serialize;
use std::borrow::Cow;
use std::collections::BTreeMap;

pub use external::{AccountKind, ExternalAccount};

/// A node: its kind and the index of its record.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Node {
    /// [`Estate::forests`]
    Forest(u32),
    /// [`Estate::ad_objects`]
    AdObject(u32),
    /// [`Estate::tenants`]
    Tenant(u32),
    /// A tenant id named by a subscription or ARM tenant list but not exported ([`EstateGraph::foreign_tenants`]).
    ForeignTenant(u32),
    /// [`Estate::cloud_objects`]
    CloudObject(u32),
    /// [`Estate::domains`]: the first record of a domain; the other exports of the same tenant that list
    /// the same name share the node ([`EstateGraph::domains`] maps every record to it).
    Domain(u32),
    /// [`Estate::federations`]
    Federation(u32),
    /// [`Estate::subscriptions`]: the first record of a subscription id; the other exports of the same
    /// subscription (ARM `/subscriptions`, `az account list` from several tenants) share the node
    /// ([`EstateGraph::subscriptions`] maps every record to it).
    Subscription(u32),
    /// [`EstateGraph::external_accounts`]
    ExternalAccount(u32),
    /// [`Estate::applications`]
    Application(u32),
}

/// Which AD attribute produced an anchor.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
pub enum AnchorSource {
    /// Base64 of objectGUID.
    ObjectGuid,
    /// Base64 of ms-DS-ConsistencyGuid.
    ConsistencyGuid,
}

/// Which AD attribute produced a SID link.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
pub enum SidSource {
    /// objectSid: the object's own SID.
    ObjectSid,
    /// sIDHistory: a SID the object held before a migration (evidence for a migrated object).
    SidHistory,
}

/// Key of a soft-match candidate.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
pub enum SoftKey {
    /// The AD object's primary SMTP address equals the cloud object's primary SMTP address.
    PrimarySmtp,
    /// The UPNs are equal.
    Upn,
}

/// A typed edge.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Edge {
    /// forest → AD object, tenant → cloud object / application.
    Contains,
    /// AD object → cloud object: the cloud ImmutableId equals the AD object's anchor (hard match).
    AnchoredTo(AnchorSource),
    /// AD object → cloud object: the cloud object's onPremisesSecurityIdentifier equals the AD
    /// object's objectSid (or a SID of its sIDHistory). A second link beside the anchor: Azure AD
    /// Connect copies objectSid into onPremisesSecurityIdentifier, so both must point at one object.
    SidLinkedTo(SidSource),
    /// AD object → cloud object: would soft-match (no hard link between them).
    SoftMatchCandidate(SoftKey),
    /// tenant → domain, verified.
    Verifies,
    /// tenant → domain, registered but not verified.
    Registers,
    /// domain → federation settings.
    FederatedBy,
    /// subscription → tenant (or foreign tenant) it trusts.
    Trusts,
    /// subscription → tenant that manages it (Azure Lighthouse).
    ManagedBy,
    /// external account → tenant where it is a guest.
    GuestIn,
    /// cloud object → external account it represents.
    Represents,
    /// external account → subscription it administers (`az` user).
    Administers,
    /// cloud object → tenant: holds a directory role there.
    HasRole,
}

impl Edge {
    /// Name used in counts.
    pub fn name(&self) -> &'static str {
        match self {
            Edge::Contains => "contains",
            Edge::AnchoredTo(_) => "anchored_to",
            Edge::SidLinkedTo(_) => "sid_linked_to",
            Edge::SoftMatchCandidate(_) => "soft_match_candidate",
            Edge::Verifies => "verifies",
            Edge::Registers => "registers",
            Edge::FederatedBy => "federated_by",
            Edge::Trusts => "trusts",
            Edge::ManagedBy => "managed_by",
            Edge::GuestIn => "guest_in",
            Edge::Represents => "represents",
            Edge::Administers => "administers",
            Edge::HasRole => "has_role",
        }
    }
}

/// Lookup tables built once for the rules. The cloud-object tables are [`KeyIndex`]es: look up with
/// the estate's `cloud_objects` (e.g. `indexes.cloud_by_upn.get(&estate.cloud_objects, "ann@contoso.com")`).
#[derive(Debug, Default)]
pub struct Indexes {
    /// Cloud objects by ImmutableId (exact, case-sensitive as Entra compares it).
    pub cloud_by_anchor: KeyIndex,
    /// Cloud objects by onPremisesSecurityIdentifier, normalised by [`normalize_sid`] (SIDs compare
    /// case-insensitively: AzureHound v3 writes them upper-case, others as read).
    pub cloud_by_sid: KeyIndex,
    /// Cloud objects by UPN, in any case.
    pub cloud_by_upn: KeyIndex,
    /// Cloud objects by primary SMTP address, in any case.
    pub cloud_by_smtp: KeyIndex,
    /// Tenants by id.
    pub tenant_by_id: HashMap<String, u32>,
    /// Cloud objects by object id, in any case (all tenants; see [`Indexes::cloud_by_id`]).
    pub cloud_by_object_id: KeyIndex,
}

impl Indexes {
    /// Fills the tables from the estate (two halves in parallel).
    fn build(&mut self, estate: &Estate) {
        let Indexes { cloud_by_anchor, cloud_by_sid, cloud_by_upn, cloud_by_smtp, tenant_by_id, cloud_by_object_id } =
            self;
        for (i, t) in estate.tenants.iter().enumerate() {
            if let Some(id) = &t.id {
                tenant_by_id.entry(id.clone()).or_insert(i as u32);
            }
        }
        let objects = &estate.cloud_objects;
        rayon::join(
            || {
                *cloud_by_anchor = KeyIndex::build(objects, |o| {
                    o.immutable_id.as_deref().filter(|a| !a.is_empty()).map(Cow::Borrowed)
                });
                *cloud_by_object_id = KeyIndex::build_folded(objects, |o| o.id.as_deref().map(Cow::Borrowed));
                *cloud_by_sid =
                    KeyIndex::build(objects, |o| o.on_prem_sid.as_deref().and_then(crate::model::normalized_sid));
            },
            || {
                *cloud_by_upn =
                    KeyIndex::build_folded(objects, |o| o.upn.as_deref().filter(|u| !u.is_empty()).map(Cow::Borrowed));
                *cloud_by_smtp =
                    KeyIndex::build_folded(objects, |o| o.primary_smtp().filter(|s| !s.is_empty()).map(Cow::Borrowed));
            },
        );
    }

    /// The cloud object of `tenant` whose object id is `id` (any case); of several (a copied
    /// directory exported twice), the last read.
    pub fn cloud_by_id(&self, objects: &[CloudObject], tenant: u32, id: &str) -> Option<u32> {
        self.cloud_by_object_id.get(objects, id).iter().rev().copied().find(|&c| objects[c as usize].tenant == tenant)
    }
}

/// Number of distinct nodes in a record → node table.
fn distinct(nodes: &[NodeIndex]) -> usize {
    nodes.iter().collect::<std::collections::BTreeSet<_>>().len()
}

/// The estate graph with node handles for every record.
#[derive(Debug, Default)]
pub struct EstateGraph {
    /// The graph.
    pub graph: StableDiGraph<Node, Edge>,
    /// Node of each forest.
    pub forests: Vec<NodeIndex>,
    /// Node of each AD object.
    pub ad_objects: Vec<NodeIndex>,
    /// Node of each tenant.
    pub tenants: Vec<NodeIndex>,
    /// Node of each cloud object.
    pub cloud_objects: Vec<NodeIndex>,
    /// Node of each domain record (records of one name in one tenant share a node).
    pub domains: Vec<NodeIndex>,
    /// Node of each federation setting.
    pub federations: Vec<NodeIndex>,
    /// Node of each subscription record (records of one subscription id share a node).
    pub subscriptions: Vec<NodeIndex>,
    /// Node of each application.
    pub applications: Vec<NodeIndex>,
    /// Tenant ids named by subscriptions but not exported, with their nodes.
    pub foreign_tenants: Vec<(String, NodeIndex)>,
    /// External accounts (guests, personal accounts) with their nodes.
    pub external_accounts: Vec<(ExternalAccount, NodeIndex)>,
    /// Lookup tables.
    pub indexes: Indexes,
}

/// Counts per node and edge kind (`estate` in the JSON report).
#[derive(Debug, Clone, Default, Serialize)]
pub struct Counts {
    /// Forests.
    pub forests: usize,
    /// AD objects.
    pub ad_objects: usize,
    /// Tenants.
    pub tenants: usize,
    /// Tenant ids referenced but not exported.
    pub foreign_tenants: usize,
    /// Cloud users, groups, contacts.
    pub cloud_objects: usize,
    /// Domains: distinct names per tenant (the same domain in several exports of a tenant counts once;
    /// one name registered in two tenants counts twice).
    pub domains: usize,
    /// Federation settings.
    pub federation_settings: usize,
    /// Subscriptions: distinct subscription ids (the same subscription in several exports counts once).
    pub subscriptions: usize,
    /// Subscribed SKUs.
    pub skus: usize,
    /// Applications and service principals.
    pub applications: usize,
    /// Directory role grants.
    pub role_grants: usize,
    /// External accounts.
    pub external_accounts: usize,
    /// Edges per kind.
    pub edges: BTreeMap<&'static str, usize>,
}

impl EstateGraph {
    /// Builds the graph from an attributed estate.
    pub fn build(estate: &Estate) -> Self {
        let mut g = EstateGraph::default();
        let n = estate.cloud_objects.len();
        g.ad_objects.reserve_exact(estate.ad_objects.len());
        g.cloud_objects.reserve_exact(n);
        // Room for every node and edge the build adds, with a margin for those only known once looked
        // up (links past one per object, external accounts): a table that outgrows its reservation
        // is copied whole into one twice its size (~50 MB of edges at a million objects) and copied
        // again when shrunk.
        let objects = estate.ad_objects.len() + n;
        let margin = objects / 16;
        let subscriptions = estate.subscriptions.len();
        let records = estate.applications.len() + estate.domains.len() + estate.federations.len();
        g.graph.reserve_exact_nodes(
            objects + estate.tenants.len() + estate.forests.len() + records + 2 * subscriptions + margin,
        );
        let managed: usize = estate.subscriptions.iter().map(|s| 1 + s.managed_by_tenants.len()).sum();
        g.graph.reserve_exact_edges(2 * objects + records + estate.role_grants.len() + 2 * managed + margin);
        // The lookup tables are built on the other cores while the nodes are added here.
        let started = std::time::Instant::now();
        let EstateGraph { graph, forests, tenants, ad_objects, cloud_objects, indexes, .. } = &mut g;
        rayon::join(
            || {
                for i in 0..estate.forests.len() {
                    forests.push(graph.add_node(Node::Forest(i as u32)));
                }
                for i in 0..estate.tenants.len() {
                    tenants.push(graph.add_node(Node::Tenant(i as u32)));
                }
                for (i, o) in estate.ad_objects.iter().enumerate() {
                    let n = graph.add_node(Node::AdObject(i as u32));
                    ad_objects.push(n);
                    if let Some(&f) = forests.get(o.forest as usize) {
                        graph.add_edge(f, n, Edge::Contains);
                    }
                }
                for (i, o) in estate.cloud_objects.iter().enumerate() {
                    let n = graph.add_node(Node::CloudObject(i as u32));
                    cloud_objects.push(n);
                    if let Some(&t) = tenants.get(o.tenant as usize) {
                        graph.add_edge(t, n, Edge::Contains);
                    }
                }
            },
            || indexes.build(estate),
        );
        let graph = &mut g.graph;
        for (i, a) in estate.applications.iter().enumerate() {
            let n = graph.add_node(Node::Application(i as u32));
            g.applications.push(n);
            if let Some(&t) = g.tenants.get(a.tenant as usize) {
                graph.add_edge(t, n, Edge::Contains);
            }
        }
        // Domains and their federation settings.
        let mut domain_by_key: HashMap<(u32, String), NodeIndex> = HashMap::default();
        // One node per domain name and tenant: Graph `/domains`, `Get-MsolDomain`, ScubaGear and ROADrecon
        // exports of one tenant describe the same domain. Verified when any of its records says so.
        for (i, d) in estate.domains.iter().enumerate() {
            let key = (d.tenant, d.name.to_lowercase());
            let n = *domain_by_key.entry(key).or_insert_with(|| g.graph.add_node(Node::Domain(i as u32)));
            g.domains.push(n);
        }
        let mut verified: BTreeMap<NodeIndex, (u32, bool)> = BTreeMap::new();
        for (d, &n) in estate.domains.iter().zip(&g.domains) {
            verified.entry(n).or_insert((d.tenant, false)).1 |= d.is_verified == Some(true);
        }
        for (n, (tenant, verified)) in verified {
            if let Some(&t) = g.tenants.get(tenant as usize) {
                g.graph.add_edge(t, n, if verified { Edge::Verifies } else { Edge::Registers });
            }
        }
        for (i, f) in estate.federations.iter().enumerate() {
            let n = g.graph.add_node(Node::Federation(i as u32));
            g.federations.push(n);
            if let Some(d) = f.domain.as_deref()
                && let Some(&dn) = domain_by_key.get(&(f.tenant, d.to_lowercase()))
            {
                g.graph.add_edge(dn, n, Edge::FederatedBy);
            }
        }
        crate::timing::timing("graph/nodes and lookup tables", started);
        let started = std::time::Instant::now();
        g.link_anchors(estate);
        crate::timing::timing("graph/anchors, SIDs, soft matches", started);
        let started = std::time::Instant::now();
        g.link_subscriptions(estate);
        g.link_external_accounts(estate);
        g.link_roles(estate);
        crate::timing::timing("graph/subscriptions, accounts, roles", started);
        // A table that grew past its reservation (doubling) holds up to half slack, ~55 MB at a million
        // objects, through the rules: give it back. The margin alone is not worth copying the table.
        let (nodes, edges) = g.graph.capacity();
        if nodes - g.graph.node_count() > nodes / 8 {
            g.graph.shrink_to_fit_nodes();
        }
        if edges - g.graph.edge_count() > edges / 8 {
            g.graph.shrink_to_fit_edges();
        }
        g
    }

    /// Hard matches (anchor equality), SID links (objectSid or sIDHistory = onPremisesSecurityIdentifier)
    /// and soft-match candidates (primary SMTP, then UPN; a SID link does not replace them). The
    /// matches are looked up in parallel, then added in object order (the graph is the same as
    /// one built sequentially).
    fn link_anchors(&mut self, estate: &Estate) {
        use rayon::prelude::*;
        /// Objects whose keys are looked up together ([`KeyIndex::get_many`]).
        const BATCH: usize = 64;
        /// What a looked-up key is (in the order an object's edges are added).
        #[derive(Clone, Copy, PartialEq)]
        enum Probe {
            Anchor(AnchorSource),
            Sid(SidSource),
            Soft(SoftKey),
        }
        let idx = &self.indexes;
        let cloud = &estate.cloud_objects;
        let links: Vec<(u32, u32, Edge)> = estate
            .ad_objects
            .par_chunks(BATCH)
            .enumerate()
            .flat_map_iter(|(b, chunk)| {
                // Every key of every object of the batch: (object, what, key).
                let mut keys: Vec<(usize, Probe, Cow<'_, str>)> = Vec::with_capacity(chunk.len() * 5);
                for (k, o) in chunk.iter().enumerate() {
                    let guid_anchor = o.object_guid.map(|g| g.immutable_id());
                    let cg_anchor = o.consistency_guid.as_deref().map(anchor::encode_base64);
                    // ConsistencyGuid initialised from objectGUID: one link, attributed to objectGUID.
                    let cg_anchor = cg_anchor.filter(|c| guid_anchor.as_ref() != Some(c));
                    keys.extend(guid_anchor.map(|a| (k, Probe::Anchor(AnchorSource::ObjectGuid), Cow::Owned(a))));
                    keys.extend(cg_anchor.map(|a| (k, Probe::Anchor(AnchorSource::ConsistencyGuid), Cow::Owned(a))));
                    let own = o.object_sid.as_deref().and_then(crate::model::normalized_sid);
                    keys.extend(own.map(|s| (k, Probe::Sid(SidSource::ObjectSid), s)));
                    let history = o.sid_history.iter().filter_map(|s| crate::model::normalized_sid(s));
                    keys.extend(history.map(|s| (k, Probe::Sid(SidSource::SidHistory), s)));
                    // The address indexes compare in any case: the values are looked up as held.
                    let smtp = o.primary_smtp().filter(|s| !s.is_empty()).map(Cow::Borrowed);
                    keys.extend(smtp.map(|s| (k, Probe::Soft(SoftKey::PrimarySmtp), s)));
                    let upn = o.upn.as_deref().filter(|s| !s.is_empty()).map(Cow::Borrowed);
                    keys.extend(upn.map(|s| (k, Probe::Soft(SoftKey::Upn), s)));
                }
                let probes: Vec<(&KeyIndex, &str)> = keys
                    .iter()
                    .map(|(_, what, key)| {
                        let index = match what {
                            Probe::Anchor(_) => &idx.cloud_by_anchor,
                            Probe::Sid(_) => &idx.cloud_by_sid,
                            Probe::Soft(SoftKey::PrimarySmtp) => &idx.cloud_by_smtp,
                            Probe::Soft(SoftKey::Upn) => &idx.cloud_by_upn,
                        };
                        (index, &**key)
                    })
                    .collect();
                let found = KeyIndex::get_many(cloud, &probes);
                let mut out: Vec<(u32, u32, Edge)> = Vec::new();
                let mut at = 0;
                for (k, o) in chunk.iter().enumerate() {
                    let i = (b * BATCH + k) as u32;
                    let first = out.len();
                    let end = at + keys[at..].iter().take_while(|key| key.0 == k).count();
                    // Without anchor material (SharpHound, an export without objectGUID) a link by the
                    // object's own SID is how it is known to be synchronised already: like a hard
                    // match, it is not a soft-match candidate of that cloud object.
                    let no_anchor = o.object_guid.is_none() && o.consistency_guid.is_none();
                    for ((_, what, _), targets) in keys[at..end].iter().zip(&found[at..end]) {
                        let edge = match *what {
                            Probe::Anchor(src) => Edge::AnchoredTo(src),
                            Probe::Sid(src) => Edge::SidLinkedTo(src),
                            Probe::Soft(kind) => {
                                let linked = |c: u32| {
                                    out[first..].iter().any(|h| {
                                        h.1 == c
                                            && match h.2 {
                                                Edge::AnchoredTo(_) => true,
                                                Edge::SidLinkedTo(SidSource::ObjectSid) => no_anchor,
                                                _ => false,
                                            }
                                    })
                                };
                                // Without anchor material nothing tells whether a cloud object's
                                // ImmutableId is this object's own anchor (already synchronised) or
                                // another's: no soft-match verdict (report.json coverage[] says so).
                                let anchored_elsewhere = |c: u32| {
                                    cloud[c as usize].immutable_id.as_deref().is_some_and(|a| !a.trim_fast().is_empty())
                                };
                                let candidates: Vec<u32> = targets
                                    .iter()
                                    .copied()
                                    .filter(|&c| !(linked(c) || (no_anchor && anchored_elsewhere(c))))
                                    .collect();
                                out.extend(candidates.into_iter().map(|c| (i, c, Edge::SoftMatchCandidate(kind))));
                                continue;
                            }
                        };
                        out.extend(targets.iter().map(|&c| (i, c, edge)));
                    }
                    at = end;
                }
                out
            })
            .collect();
        for (a, c, e) in links {
            self.graph.add_edge(self.ad_objects[a as usize], self.cloud_objects[c as usize], e);
        }
    }

    fn tenant_node(&mut self, id: &str) -> NodeIndex {
        let id = id.trim_fast().to_lowercase();
        if let Some(&t) = self.indexes.tenant_by_id.get(&id) {
            return self.tenants[t as usize];
        }
        if let Some((_, n)) = self.foreign_tenants.iter().find(|(f, _)| *f == id) {
            return *n;
        }
        let n = self.graph.add_node(Node::ForeignTenant(self.foreign_tenants.len() as u32));
        self.foreign_tenants.push((id, n));
        n
    }

    fn link_subscriptions(&mut self, estate: &Estate) {
        // One node per subscription id: the ARM export and `az account list` (from one or several tenants)
        // describe the same subscription. Its edges are the union of its records' (each once).
        let mut by_id: HashMap<String, NodeIndex> = HashMap::default();
        for (i, s) in estate.subscriptions.iter().enumerate() {
            let n = *by_id
                .entry(s.id.trim_fast().to_lowercase())
                .or_insert_with(|| self.graph.add_node(Node::Subscription(i as u32)));
            self.subscriptions.push(n);
            if let Some(t) = s.trusted_tenant() {
                let tn = self.tenant_node(t);
                self.add_edge_once(n, tn, Edge::Trusts);
            }
            for m in &s.managed_by_tenants {
                let tn = self.tenant_node(m);
                self.add_edge_once(n, tn, Edge::ManagedBy);
            }
        }
    }

    /// Adds edge `a → b` of kind `e` unless the same edge is already there.
    fn add_edge_once(&mut self, a: NodeIndex, b: NodeIndex, e: Edge) {
        if !self.graph.edges_connecting(a, b).any(|x| *x.weight() == e) {
            self.graph.add_edge(a, b, e);
        }
    }

    fn link_external_accounts(&mut self, estate: &Estate) {
        let mut by_key: HashMap<(AccountKind, String), u32> = HashMap::default();
        let mut intern = |g: &mut Self, acct: ExternalAccount| -> NodeIndex {
            let key = (acct.kind, acct.address.clone());
            if let Some(&i) = by_key.get(&key) {
                return g.external_accounts[i as usize].1;
            }
            let i = g.external_accounts.len() as u32;
            let n = g.graph.add_node(Node::ExternalAccount(i));
            g.external_accounts.push((acct, n));
            by_key.insert(key, i);
            n
        };
        // Which cloud objects stand for an external account is read in parallel (a pass over every
        // object); the nodes are added in object order.
        use rayon::prelude::*;
        let accounts: Vec<(usize, ExternalAccount)> = estate
            .cloud_objects
            .par_iter()
            .enumerate()
            .filter_map(|(i, o)| external::account_of(o).map(|a| (i, a)))
            .collect();
        for (i, acct) in accounts {
            let o = &estate.cloud_objects[i];
            let n = intern(self, acct);
            let c = self.cloud_objects[i];
            self.graph.add_edge(c, n, Edge::Represents);
            if let Some(&t) = self.tenants.get(o.tenant as usize) {
                self.graph.add_edge(n, t, Edge::GuestIn);
            }
        }
        for (i, s) in estate.subscriptions.iter().enumerate() {
            let Some(acct) = s.user_name.as_deref().and_then(external::account_of_az_user) else { continue };
            let n = intern(self, acct);
            let sn = self.subscriptions[i];
            self.add_edge_once(n, sn, Edge::Administers);
        }
    }

    fn link_roles(&mut self, estate: &Estate) {
        for r in &estate.role_grants {
            if let Some(c) = self.indexes.cloud_by_id(&estate.cloud_objects, r.tenant, &r.principal_id)
                && let Some(&t) = self.tenants.get(r.tenant as usize)
            {
                self.graph.add_edge(self.cloud_objects[c as usize], t, Edge::HasRole);
            }
        }
    }

    /// Counts per node and edge kind.
    pub fn counts(&self, estate: &Estate) -> Counts {
        // Two million edges at a million objects, mostly in runs of one kind: counted per run.
        let mut edges: BTreeMap<&'static str, usize> = BTreeMap::new();
        let mut run: Option<(&'static str, usize)> = None;
        for e in self.graph.edge_weights() {
            let name = e.name();
            match &mut run {
                Some((kind, n)) if *kind == name => *n += 1,
                _ => {
                    if let Some((kind, n)) = run.replace((name, 1)) {
                        *edges.entry(kind).or_default() += n;
                    }
                }
            }
        }
        if let Some((kind, n)) = run {
            *edges.entry(kind).or_default() += n;
        }
        Counts {
            forests: estate.forests.len(),
            ad_objects: estate.ad_objects.len(),
            tenants: estate.tenants.len(),
            foreign_tenants: self.foreign_tenants.len(),
            cloud_objects: estate.cloud_objects.len(),
            domains: distinct(&self.domains),
            federation_settings: estate.federations.len(),
            subscriptions: distinct(&self.subscriptions),
            skus: estate.skus.len(),
            applications: estate.applications.len(),
            role_grants: estate.role_grants.len(),
            external_accounts: self.external_accounts.len(),
            edges,
        }
    }

    /// AD objects exported without anchor material (no objectGUID, no ms-DS-ConsistencyGuid: SharpHound)
    /// whose own SID is cloud object `cloud`'s onPremisesSecurityIdentifier: where the anchor was not
    /// collected, the SID link stands in for it.
    pub fn sid_twins_without_anchor<'a>(&'a self, estate: &'a Estate, cloud: u32) -> impl Iterator<Item = u32> + 'a {
        self.graph.edges_directed(self.cloud_objects[cloud as usize], petgraph::Direction::Incoming).filter_map(
            move |e| match (e.weight(), self.graph[e.source()]) {
                (Edge::SidLinkedTo(SidSource::ObjectSid), Node::AdObject(a)) => {
                    let o = &estate.ad_objects[a as usize];
                    (!o.has_anchor_material()).then_some(a)
                }
                _ => None,
            },
        )
    }

    /// Whether cloud object `cloud` comes from an exported AD object: hard-linked by anchor, or linked
    /// by SID to an object exported without anchor material ([`Self::sid_twins_without_anchor`]).
    pub fn is_sourced_cloud_object(&self, estate: &Estate, cloud: u32) -> bool {
        self.is_anchored_cloud_object(cloud) || self.sid_twins_without_anchor(estate, cloud).next().is_some()
    }

    /// Whether cloud object `cloud` is hard-linked by anchor to some AD object.
    pub fn is_anchored_cloud_object(&self, cloud: u32) -> bool {
        self.graph
            .edges_directed(self.cloud_objects[cloud as usize], petgraph::Direction::Incoming)
            .any(|e| matches!(e.weight(), Edge::AnchoredTo(_)))
    }

    /// The cloud objects AD object `ad` is linked to by SID, with the attribute that linked them.
    pub fn sid_linked_cloud_objects(&self, ad: u32) -> impl Iterator<Item = (u32, SidSource)> + '_ {
        self.graph.edges(self.ad_objects[ad as usize]).filter_map(|e| match (e.weight(), self.graph[e.target()]) {
            (Edge::SidLinkedTo(src), Node::CloudObject(c)) => Some((c, *src)),
            _ => None,
        })
    }

    /// The AD objects linked to cloud object `cloud` by anchor (first) and by SID (second).
    pub fn ad_links_of_cloud_object(&self, cloud: u32) -> (Vec<u32>, Vec<(u32, SidSource)>) {
        let (mut anchored, mut by_sid) = (Vec::new(), Vec::new());
        for e in self.graph.edges_directed(self.cloud_objects[cloud as usize], petgraph::Direction::Incoming) {
            match (e.weight(), self.graph[e.source()]) {
                (Edge::AnchoredTo(_), Node::AdObject(a)) => anchored.push(a),
                (Edge::SidLinkedTo(src), Node::AdObject(a)) => by_sid.push((a, *src)),
                _ => {}
            }
        }
        anchored.sort_unstable();
        anchored.dedup();
        (anchored, by_sid)
    }

    /// The cloud objects AD object `ad` is hard-linked to by anchor, with the attribute that linked them.
    pub fn anchored_cloud_objects(&self, ad: u32) -> impl Iterator<Item = (u32, AnchorSource)> + '_ {
        self.graph.edges(self.ad_objects[ad as usize]).filter_map(|e| match (e.weight(), self.graph[e.target()]) {
            (Edge::AnchoredTo(src), Node::CloudObject(c)) => Some((c, *src)),
            _ => None,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::SourceRef;

    fn estate() -> Estate {
        let guid = Guid::parse("35918bc9-196d-40ea-9779-889d79b753f0").unwrap();
        let mut e = Estate::default();
        e.forests.push(Forest { name: "corp.contoso.com".into(), ..Default::default() });
        e.tenants.push(Tenant {
            id: Some("11111111-1111-1111-1111-111111111111".into()),
            name: "Contoso".into(),
            ..Default::default()
        });
        e.ad_objects.push(AdObject {
            object_guid: Some(guid),
            upn: Some("Ann@contoso.com".into()),
            proxy_addresses: vec!["SMTP:ann@contoso.com".into()].into(),
            ..Default::default()
        });
        e.ad_objects.push(AdObject {
            upn: Some("bob@contoso.com".into()),
            proxy_addresses: vec!["SMTP:Bob@Contoso.com".into()].into(),
            ..Default::default()
        });
        // Synced twin of Ann (anchor = objectGUID), and a cloud-only Bob that would soft-match.
        e.cloud_objects.push(CloudObject {
            id: Some("c1".into()),
            upn: Some("ann@contoso.com".into()),
            immutable_id: Some("yYuRNW0Z6kCXeYidebdT8A==".into()),
            ..Default::default()
        });
        e.cloud_objects.push(CloudObject {
            id: Some("c2".into()),
            upn: Some("bob@contoso.com".into()),
            mail: Some("bob@contoso.com".into()),
            ..Default::default()
        });
        e.cloud_objects.push(CloudObject {
            id: Some("c3".into()),
            user_type: Some("Guest".into()),
            upn: Some("kim_outlook.com#EXT#@contoso.onmicrosoft.com".into()),
            identities: vec![Identity {
                issuer: Some("MicrosoftAccount".into()),
                issuer_assigned_id: Some("kim@outlook.com".into()),
                ..Default::default()
            }]
            .into(),
            ..Default::default()
        });
        e.role_grants.push(RoleGrant {
            principal_id: "C3".into(),
            role: "Global Administrator".into(),
            source: SourceRef::default(),
            ..Default::default()
        });
        e.subscriptions.push(Subscription {
            id: "s1".into(),
            tenant_id: Some("22222222-2222-2222-2222-222222222222".into()),
            user_name: Some("live.com#kim@outlook.com".into()),
            ..Default::default()
        });
        e
    }

    #[test]
    fn links_anchor_soft_match_guest_role_and_foreign_tenant() {
        let e = estate();
        let g = EstateGraph::build(&e);
        let c = g.counts(&e);
        assert_eq!(c.edges.get("anchored_to"), Some(&1));
        assert_eq!(g.anchored_cloud_objects(0).collect::<Vec<_>>(), vec![(0, AnchorSource::ObjectGuid)]);
        // Bob: soft match by primary SMTP and by UPN; Ann: no soft edge to her own hard-linked twin.
        assert_eq!(c.edges.get("soft_match_candidate"), Some(&2));
        assert_eq!(c.external_accounts, 1, "guest and az user are the same personal account");
        assert_eq!(g.external_accounts[0].0.kind, AccountKind::Personal);
        assert_eq!(c.edges.get("guest_in"), Some(&1));
        assert_eq!(c.edges.get("administers"), Some(&1));
        assert_eq!(c.edges.get("has_role"), Some(&1));
        assert_eq!(c.foreign_tenants, 1);
        assert_eq!(c.edges.get("sid_linked_to"), None);
    }

    #[test]
    fn one_object_in_several_exports_is_one_node() {
        let mut e = estate();
        // The same subscription from ARM (upper-case id) and from `az account list`.
        e.subscriptions.push(Subscription {
            id: "S1".into(),
            tenant_id: Some("22222222-2222-2222-2222-222222222222".into()),
            ..Default::default()
        });
        // One domain in Graph /domains (unverified flag absent) and Get-MsolDomain (verified), and the same
        // name registered in another tenant.
        e.tenants.push(Tenant { name: "Other".into(), ..Default::default() });
        e.domains.push(Domain { name: "contoso.com".into(), ..Default::default() });
        e.domains.push(Domain { name: "Contoso.com".into(), is_verified: Some(true), ..Default::default() });
        e.domains.push(Domain { name: "contoso.com".into(), tenant: 1, ..Default::default() });
        let g = EstateGraph::build(&e);
        let c = g.counts(&e);
        assert_eq!(c.subscriptions, 1);
        assert_eq!(g.subscriptions[0], g.subscriptions[1]);
        assert_eq!(c.edges.get("trusts"), Some(&1));
        assert_eq!(c.edges.get("administers"), Some(&1));
        assert_eq!(c.domains, 2, "one per tenant");
        assert_eq!(g.domains[0], g.domains[1]);
        assert_eq!(c.edges.get("verifies"), Some(&1), "verified when any export says so");
        assert_eq!(c.edges.get("registers"), Some(&1));
    }

    #[test]
    fn sid_links_beside_anchor_case_insensitive_and_by_sid_history() {
        let mut e = estate();
        e.ad_objects[0].object_sid = Some("S-1-5-21-1-2-3-1105".into());
        e.ad_objects[1].sid_history = vec!["S-1-5-21-9-9-9-2001".into()].into();
        e.cloud_objects[0].on_prem_sid = Some("s-1-5-21-1-2-3-1105".into());
        e.cloud_objects[1].on_prem_sid = Some("S-1-5-21-9-9-9-2001".into());
        let g = EstateGraph::build(&e);
        assert_eq!(g.sid_linked_cloud_objects(0).collect::<Vec<_>>(), vec![(0, SidSource::ObjectSid)]);
        assert_eq!(g.sid_linked_cloud_objects(1).collect::<Vec<_>>(), vec![(1, SidSource::SidHistory)]);
        assert_eq!(g.ad_links_of_cloud_object(0), (vec![0], vec![(0, SidSource::ObjectSid)]));
        let c = g.counts(&e);
        assert_eq!(c.edges.get("sid_linked_to"), Some(&2));
        // A SID link does not take the place of the soft-match candidates (the rules still see them).
        assert_eq!(c.edges.get("soft_match_candidate"), Some(&2));
    }
}
