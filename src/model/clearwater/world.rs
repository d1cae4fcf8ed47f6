//! The Clearwater world: construction from a scenario and event dispatch.

use super::call_record::Call;
use super::ids::ById;
use super::ids::{NodeId, UeId, NO_KEY};
use super::pair::Pair;
use super::subscriber::Ue;
use super::txn::Txn;
use rand::Rng as _;

use super::events::{Class, Ev, Job};
use super::message::Msg;
use super::node::{Node, Topology, Window};
use super::params::{Params, POOL_RECYCLE_EVERY};
use super::ralf::Ralf;
use super::stats::Stats;
use crate::engine::{Dist, EventQueue, Model, Rng, RngFactory, SimDuration, SimTime, StreamId};
use crate::model::service_centre::ServiceCentre;
use crate::model::slab::{Key, Slab};
use crate::network::blacklist::Blacklist;
use crate::network::dns::{Answer, DnsServer, ResolverCache};
use crate::network::pool::ConnPool;
use crate::scenario::{Scenario, Tier};

/// Random stream classes of this model (see `engine::rng`).
pub const STREAM_NODE: u16 = 10;
pub const STREAM_UE: u16 = 11;
pub const STREAM_LOAD: u16 = 12;

/// Where a node sits and how big it is.
#[derive(Copy, Clone, Debug)]
pub struct NodeSpec {
    pub site: u8,
    pub tier: Tier,
    pub index: u16,
    pub cores: u32,
}

/// The deployment: the router and scheduler of the model. It owns the nodes, the
/// subscribers and the components' state, and hands each event to the component that
/// handles it (`handle` below). Its fields are private to the model.
pub struct World {
    pub(super) p: Params,
    pub(super) topo: Topology,
    pub(super) nodes: ById<NodeId, Node>,
    pub(super) dns: DnsServer,
    pub(super) ues: ById<UeId, Ue>,
    /// The network's records of the subscribers, each kept by its component.
    pub(super) store: super::binding_store::BindingStore,
    pub(super) chronos: super::timer_store::Chronos,
    pub(super) homestead: super::homestead_cache::HomesteadCache,
    pub(super) pairs: Vec<Pair>,
    pub(super) txns: Slab<Txn>,
    pub(super) msgs: Slab<Msg>,
    pub(super) calls: Slab<Call>,
    pub(super) rngs: RngFactory,
    /// The load generator's stream (core-only and rate call arrivals).
    pub(super) load_rng: Rng,
    /// Current call rate of the rate profile (calls/s) and calls started so far.
    pub(super) rate_now: f64,
    pub(super) calls_started: u64,
    pub(super) stats: Stats,
    pub(super) faults: Vec<crate::scenario::Fault>,
    /// Elastic scaling: sizes before each `scale` fault, cluster resizes (cluster.rs).
    pub(super) scaling: super::cluster::Scaling,
    /// Rendezvous hashing's latest answers per site (replica_cache.rs).
    pub(super) replicas: super::replica_cache::ReplicaCache,
    /// Partition, blocked ports, added latency.
    pub(super) net: super::reachability::NetworkFaults,
    pub(super) outages: super::outage::Outages,
    /// Nodes scaled in (few: a linear scan is fine).
    pub(super) retired: Vec<NodeId>,
    /// Cores per site and tier, and nodes ever created per site and tier (to name new ones).
    pub(super) cores: Vec<[u32; 5]>,
    pub(super) created: Vec<[u16; 5]>,
    /// Reused buffer for the jobs of a crashed node.
    pub(super) scratch_jobs: Vec<Job>,
    /// Billing (Ralf clusters); `None` only while one of its handlers runs.
    pub(super) ralf: Option<Ralf>,
    /// The SIPp load's calls and counters (sipp_ue.rs); `None` for the other profiles.
    pub(super) sipp: Option<Box<super::sipp_state::SippRun>>,
}

impl World {
    /// Builds the deployment and its subscribers at time zero, scheduling the first events.
    pub fn new(s: &Scenario, replication: u32, q: &mut EventQueue<Ev>) -> World {
        let p = Params::new(s);
        let rngs = RngFactory::new(s.simulation.seed, replication);
        let mut topo = Topology::default();
        let mut nodes = Vec::new();
        for (site_idx, site) in s.sites.iter().enumerate() {
            let mut ids: [Vec<NodeId>; 5] = Default::default();
            for tier in Tier::ALL {
                let size = site.tier(tier);
                for index in 0..size.nodes {
                    let id = nodes.len() as NodeId;
                    let spec = NodeSpec { site: site_idx as u8, tier, index: index as u16, cores: size.cores };
                    nodes.push(Self::make_node(&p, &rngs, s.sites.len(), id, spec, SimTime::ZERO));
                    ids[tier as usize].push(id);
                }
            }
            topo.ids.push(ids);
        }
        let mut dns = DnsServer::new(topo.names(), p.dns.ttl, p.dns.negative_ttl);
        for site in 0..topo.ids.len() as u8 {
            for tier in Tier::ALL {
                dns.set_records(Topology::name(site, tier), topo.nodes(site, tier).to_vec());
            }
        }
        let n = p.load.subscribers() as usize;
        let mut world = World {
            load_rng: rngs.stream(StreamId::new(STREAM_LOAD, 0)),
            p,
            topo,
            nodes: nodes.into(),
            dns,
            ues: ById::with_capacity(n),
            store: super::binding_store::BindingStore::with_capacity(n),
            chronos: super::timer_store::Chronos::with_capacity(n),
            homestead: super::homestead_cache::HomesteadCache::with_capacity(n),
            pairs: Vec::new(),
            txns: Slab::default(),
            msgs: Slab::default(),
            calls: Slab::default(),
            rngs,
            rate_now: 0.0,
            calls_started: 0,
            stats: Stats::default(),
            faults: Vec::new(),
            scaling: Default::default(),
            replicas: Default::default(),
            net: Default::default(),
            outages: Default::default(),
            retired: Vec::new(),
            cores: s.sites.iter().map(|site| Tier::ALL.map(|t| site.tier(t).cores)).collect(),
            created: s.sites.iter().map(|site| Tier::ALL.map(|t| site.tier(t).nodes as u16)).collect(),
            scratch_jobs: Vec::new(),
            ralf: Some(Ralf::new(s)),
            sipp: None,
        };
        for _ in 0..world.nodes.len() {
            world.chronos.add_node();
        }
        world.warm_caches_and_pools(q);
        world.create_subscribers(q);
        world.start_load(q);
        world.schedule_faults(q, &s.faults);
        q.schedule_at(SimTime::ZERO + world.p.sample_interval, Ev::Sample);
        if world.p.warmup_end > SimTime::ZERO {
            q.schedule_at(world.p.warmup_end, Ev::WarmupEnd);
        } else {
            world.stats.measuring = true;
        }
        world
    }

    /// A node as the scenario's (or a scale-up's) settings make it.
    pub fn make_node(p: &Params, rngs: &RngFactory, sites: usize, id: NodeId, spec: NodeSpec, now: SimTime) -> Node {
        // Only the busy-core average of a node's CPU is reported, never its queueing times.
        let cpu = if p.unlimited_cpu {
            ServiceCentre::unlimited(spec.cores, now)
        } else {
            ServiceCentre::new(spec.cores, now)
        }
        .without_latency();
        Node {
            site: spec.site,
            tier: spec.tier,
            index: spec.index,
            cores: spec.cores,
            cpu,
            rng: rngs.stream(StreamId::new(STREAM_NODE, id as u64)),
            up: true,
            retired: false,
            silent: false,
            dns_healthy: true,
            resolver: ResolverCache::new(sites * Tier::ALL.len(), p.dns.stale_extension),
            pool: (spec.tier == Tier::Bono)
                .then(|| ConnPool::new(p.pool.upstream_connections, p.pool.upstream_recycle)),
            blacklist: Blacklist::default(),
            throttle: super::overload_policy::monitor_for(&p.throttling, spec.tier, spec.cores, now),
            throttle_at_sample: Default::default(),
            chronos_throttle: super::overload_policy::chronos_monitor_for(&p.throttling, spec.tier, now),
            chronos_at_sample: Default::default(),
            window: Window::default(),
            rx: super::transport_thread::TransportThread::new(p.unlimited_cpu),
            workers: super::worker_pool::WorkerPool::new(if p.unlimited_cpu {
                u32::MAX
            } else {
                p.workers_per_core.saturating_mul(spec.cores)
            }),
        }
    }

    /// A deployment that has been running for a while: every resolver holds answers of
    /// random age and every Bono a full pool of connections of random age, so refreshes and
    /// recycles are spread in time from the start.
    fn warm_caches_and_pools(&mut self, q: &mut EventQueue<Ev>) {
        let sites = self.topo.ids.len() as u8;
        for id in 0..self.nodes.len() as NodeId {
            let tier = self.nodes[id].tier;
            if !matches!(tier, Tier::Bono | Tier::Sprout) {
                continue;
            }
            for site in 0..sites {
                for target in Tier::ALL {
                    let name = Topology::name(site, target);
                    let records = self.dns.records(name).to_vec();
                    let node = &mut self.nodes[id];
                    let age = node.rng.random::<f64>();
                    let ttl = if records.is_empty() { self.p.dns.negative_ttl } else { self.p.dns.ttl };
                    node.resolver.complete(SimTime::ZERO, name, Answer::Records(records, ttl.saturating_mul_f64(age)));
                }
            }
            if tier == Tier::Bono {
                let site = self.nodes[id].site;
                let sprouts = self.topo.nodes(site, Tier::Sprout).to_vec();
                let node = &mut self.nodes[id];
                if let Some(pool) = node.pool.as_mut() {
                    pool.start(SimTime::ZERO, &sprouts, &mut node.rng);
                }
                // Each Bono's recycler has ticked every second since its own start: its phase
                // is its own, so recycles (and reconnects after a fault) are not in step.
                let phase = POOL_RECYCLE_EVERY.saturating_mul_f64(node.rng.random::<f64>());
                q.schedule_at(SimTime::ZERO + phase, Ev::PoolRecycle { node: id });
            }
        }
    }

    /// A fresh random stream position for one decision of UE `ue` (its own ChaCha stream, so
    /// adding subscribers never changes another subscriber's draws).
    pub fn ue_rng(&mut self, ue: UeId) -> Rng {
        let mut rng = self.rngs.stream(StreamId::new(STREAM_UE, ue as u64));
        let u = &mut self.ues[ue];
        rng.set_word_pos(u.draws as u128 * 16);
        u.draws += 1;
        rng
    }

    // --- CPU -------------------------------------------------------------------------

    /// Queues `job` on `node`'s cores with the given demand and class.
    #[inline]
    pub fn submit(&mut self, q: &mut EventQueue<Ev>, node: NodeId, job: Job, demand: SimDuration, class: Class) {
        let now = q.now();
        let cpu = &mut self.nodes[node].cpu;
        let started = match class {
            Class::New => cpu.arrive(now, job, demand),
            Class::Resumed => cpu.arrive_urgent(now, job, demand),
        };
        if let Some(s) = started {
            q.schedule_at(s.done_at, Ev::CpuDone { node, slot: s.slot as u16, gen: s.gen });
        }
    }

    /// Draws a CPU demand from `dist` with `node`'s stream.
    #[inline]
    pub fn demand(&mut self, node: NodeId, dist: fn(&Params) -> &Dist) -> SimDuration {
        let d = dist(&self.p);
        d.sample(&mut self.nodes[node].rng)
    }

    fn on_cpu_done(&mut self, q: &mut EventQueue<Ev>, node: NodeId, slot: u16, gen: u32) {
        let now = q.now();
        // A stale completion: the job was preempted and will complete later.
        let Some((done, next)) = self.nodes[node].cpu.complete(now, slot as u32, gen) else { return };
        if let Some(s) = next {
            q.schedule_at(s.done_at, Ev::CpuDone { node, slot: s.slot as u16, gen: s.gen });
        }
        let wait = done.started.since(done.arrived);
        let tier = self.nodes[node].tier;
        // Homer, and Homestead in the documented era, also time their Cassandra or HSS
        // wait: homer_served and homestead_served report their latency.
        let timed_at_answer = tier == Tier::Homer || (tier == Tier::Homestead && self.p.io_timed);
        if tier != Tier::Sprout && !matches!(done.job, Job::Side(_)) && !timed_at_answer {
            // Single-burst jobs: their latency is the whole time in the node.
            let sojourn = now.since(done.arrived).as_ns();
            self.nodes[node].record_latency(sojourn);
            self.throttle_complete(node, now, sojourn);
        }
        if self.nodes[node].chronos_throttle.is_some() && self.is_chronos_request(&done.job) {
            self.chronos_complete(node, now, now.since(done.arrived).as_ns());
        }
        match done.job {
            Job::Msg(msg) => self.msg_cpu_done(q, node, msg, wait),
            Job::Op(msg) => self.op_served(q, node, msg, now.since(done.arrived)),
            Job::Acr(acr) => self.with_ralf(q, |r, h| r.processed(h, node, acr)),
            Job::Side(side) => self.side_done(q, node, side),
            Job::Rx(key) => self.transport_done(q, node, key),
        }
    }

    // --- Network ---------------------------------------------------------------------

    /// One-way delay between two nodes: none on the same node (loopback), intra-site or
    /// inter-site otherwise. Drawn from the sender's stream.
    #[inline]
    pub fn node_delay(&mut self, from: NodeId, to: NodeId) -> SimDuration {
        if from == to {
            return SimDuration::ZERO;
        }
        let same_site = self.nodes[from].site == self.nodes[to].site;
        let (d, extra) = if same_site {
            (&self.p.net.intra_site, self.net.extra_latency.intra_site)
        } else {
            (&self.p.net.inter_site, self.net.extra_latency.inter_site)
        };
        d.sample(&mut self.nodes[from].rng) + extra
    }

    /// One-way delay between a UE and the node it is connected to (drawn from the node's
    /// stream).
    #[inline]
    pub fn access_delay(&mut self, edge: NodeId) -> SimDuration {
        self.p.net.access.sample(&mut self.nodes[edge].rng)
    }

    /// Round trip to the authoritative DNS server from `node`.
    pub fn dns_round_trip(&mut self, node: NodeId) -> SimDuration {
        let rng = &mut self.nodes[node].rng;
        if self.dns.up {
            self.p.dns.server_latency.sample(rng) + self.p.dns.server_latency.sample(rng)
        } else {
            self.p.dns.query_timeout
        }
    }

    /// The fate of a message from `from` (`None`: a UE) to `to`, on `iface` (`None`: a
    /// response on an established connection, not filtered by port).
    pub fn path(
        &self,
        from: Option<NodeId>,
        to: NodeId,
        iface: Option<&crate::network::ports::Interface>,
    ) -> super::reachability::Path {
        super::reachability::path(&self.nodes, &self.net, from, to, iface)
    }

    /// Two sites: geographically redundant.
    pub fn gr(&self) -> bool {
        self.topo.ids.len() == 2
    }

    /// The site's Chronos cluster (its Sprouts; during a resize, the new membership).
    pub fn sprouts_of(&self, site: u8) -> &[NodeId] {
        self.scaling.resizing(site).map_or(self.topo.nodes(site, Tier::Sprout), |r| &r.new_servers)
    }
}

impl Model for World {
    type Event = Ev;

    fn handle(&mut self, event: Ev, q: &mut EventQueue<Ev>) {
        match event {
            Ev::CpuDone { node, slot, gen } => self.on_cpu_done(q, node, slot, gen),
            Ev::Hop { msg } => self.on_hop(q, msg),
            Ev::OpArrive { msg } => self.op_arrive(q, msg),
            Ev::OpReply { msg, attempt } => self.op_reply(q, msg, attempt),
            Ev::OpTimeout { msg, attempt } => self.op_timeout_event(q, msg, attempt),
            Ev::UeDns { ue, gen } => self.ue_dns(q, ue, gen),
            Ev::UeConnect { ue, gen } => self.ue_connect(q, ue, gen),
            Ev::UeConnLost { ue } => self.ue_conn_lost(q, ue),
            Ev::BonoGaveUp { bono, sprout } => self.bono_gave_up(q, bono, sprout),
            Ev::DnsHealth { node, healthy } => self.dns_health(node, healthy),
            Ev::DnsDone { msg } => self.dns_done(q, msg),
            Ev::SideArrive { node, side } => self.side_arrive(q, node, side),
            Ev::TxnTimeout { txn, deadline } => self.txn_timeout(q, txn, deadline),
            Ev::UeRegister { ue, gen } => self.ue_register_timer(q, ue, gen),
            Ev::PairStep { pair, gen } => self.pair_step(q, pair, gen),
            Ev::CallStep { call } => self.call_step(q, call),
            Ev::CallRedial { call } => self.call_redial(q, call),
            Ev::CallArrival => self.call_arrival(q),
            Ev::RampStep => self.ramp_step(q),
            Ev::ChronosPop { ue, gen, replica } => self.chronos_pop(q, ue, gen, replica),
            Ev::ChallengePop { ue, site, replica } => self.challenge_due(q, ue, site, replica),
            Ev::UeFlowCheck { ue, edge } => self.ue_flow_check(q, ue, edge),
            Ev::SessionRefresh { call } => self.session_refresh(q, call),
            Ev::AsAnswer { msg } => self.as_answer(q, msg),
            Ev::UeSubscribe { ue } => self.ue_subscribe(q, ue),
            Ev::PoolRecycle { node } => self.pool_recycle(q, node),
            Ev::PoolDnsDone { node } => self.pool_dns_done(q, node),
            Ev::Fault { index, start } => self.fault(q, index, start),
            Ev::Resync { node, step } => self.resync_event(q, node, step),
            Ev::Sample => self.sample(q),
            Ev::WarmupEnd => self.warmup_end(q),
            Ev::AcrArrive { node, acr } => self.with_ralf(q, |r, h| r.arrive(h, node, acr)),
            Ev::CdfAnswer { acr } => self.with_ralf(q, |r, h| r.cdf_answered(h, acr)),
            Ev::RalfTimer { session, gen } => self.with_ralf(q, |r, h| r.timer_due(h, session, gen)),
            Ev::BindingCheck { ue, gen } => self.binding_check(q, ue, gen),
            Ev::SippArrival { source } => self.sipp_arrival(q, source),
            Ev::SippRamp { source } => self.sipp_ramp(q, source),
            Ev::SippTimer { call, gen } => self.sipp_timer(q, call, gen),
            Ev::SippRetrans { call, gen } => self.sipp_retrans_due(q, call, gen),
        }
    }
}

/// Keys that never resolve (used where a message belongs to no transaction or call).
pub fn none() -> Key {
    NO_KEY
}
