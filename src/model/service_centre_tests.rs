//! Tests of the multi-server service centre (service_centre.rs).

use super::*;

fn t(ns: u64) -> SimTime {
    SimTime::from_ns(ns)
}

fn done<J: Copy>(c: &mut ServiceCentre<J>, now: SimTime, s: Started) -> (Finished<J>, Option<Started>) {
    c.complete(now, s.slot, s.gen).expect("current completion")
}

#[test]
fn two_servers_hand_trace() {
    // Jobs a, b, c arrive at 0, 1, 2 with demand 10 on 2 servers:
    // a runs 0..10, b runs 1..11, c waits 2..10 then runs 10..20.
    let mut c = ServiceCentre::new(2, t(0));
    let d = SimDuration::from_ns(10);
    let sa = c.arrive(t(0), 'a', d).unwrap();
    let sb = c.arrive(t(1), 'b', d).unwrap();
    assert!(c.arrive(t(2), 'c', d).is_none());
    assert_eq!((sa.done_at, sb.done_at), (t(10), t(11)));
    let (fa, next) = done(&mut c, t(10), sa);
    assert_eq!(fa.job, 'a');
    let sc = next.unwrap();
    assert_eq!((sc.slot, sc.done_at), (sa.slot, t(20)));
    let (fb, none) = done(&mut c, t(11), sb);
    assert_eq!((fb.job, none), ('b', None));
    let (fc, _) = done(&mut c, t(20), sc);
    assert_eq!((fc.job, fc.started, fc.sojourn(t(20))), ('c', t(10), SimDuration::from_ns(18)));
    // Busy servers: 1 on [0,1), 2 on [1,11), 1 on [11,20) => 1 + 20 + 9 = 30 server·ns.
    assert_eq!(c.stats().busy.integral(t(20)), 30);
    // Queue: 1 on [2,10) => 8. In system = 38 = sum of sojourns 10 + 10 + 18.
    assert_eq!(c.stats().in_system_integral(t(20)), 38);
    assert_eq!(c.stats().sojourn.sum_ns(), 38);
    assert_eq!(c.stats().delayed, 1);
    assert_eq!(c.in_system(), 0);
}

#[test]
fn urgent_job_preempts_and_the_victim_resumes() {
    // One server: normal job n (demand 10) starts at 0; urgent u (demand 3) arrives at 4
    // and takes the server until 7; n resumes with 6 left and completes at 13.
    let mut c = ServiceCentre::new(1, t(0));
    let sn = c.arrive(t(0), 'n', SimDuration::from_ns(10)).unwrap();
    let su = c.arrive_urgent(t(4), 'u', SimDuration::from_ns(3)).unwrap();
    assert_eq!(su.done_at, t(7));
    assert!(c.complete(t(10), sn.slot, sn.gen).is_none(), "n's old completion is stale");
    let (fu, next) = done(&mut c, t(7), su);
    assert_eq!(fu.job, 'u');
    let sn2 = next.unwrap();
    assert_eq!(sn2.done_at, t(13));
    let (fn_, _) = done(&mut c, t(13), sn2);
    assert_eq!((fn_.job, fn_.started, fn_.sojourn(t(13))), ('n', t(0), SimDuration::from_ns(13)));
    // The server was busy throughout: 13 server·ns, and the work done is 10 + 3.
    assert_eq!(c.stats().busy.integral(t(13)), 13);
    assert_eq!(c.stats().preemptions, 1);
}

#[test]
fn urgent_jobs_wait_only_for_urgent_ones() {
    let mut c = ServiceCentre::new(1, t(0));
    let d = SimDuration::from_ns(10);
    let su = c.arrive_urgent(t(0), 'u', d).unwrap();
    assert!(c.arrive(t(1), 'b', d).is_none());
    assert!(c.arrive_urgent(t(2), 'v', d).is_none(), "no normal job to preempt: queue");
    let (_, next) = done(&mut c, t(10), su);
    let sv = next.unwrap();
    let (fv, next) = done(&mut c, sv.done_at, sv);
    assert_eq!(fv.job, 'v');
    let (fb, _) = done(&mut c, t(30), next.expect("b starts last"));
    assert_eq!(fb.job, 'b');
}

#[test]
fn queue_timeout_rejects_stale_expirable_jobs() {
    // One server busy 0..10; an expirable job arriving at 1 waits 9 > max 5 and is
    // rejected at cost 1; a plain job behind it is served normally.
    let mut c = ServiceCentre::new(1, t(0));
    c.set_queue_timeout(SimDuration::from_ns(5), SimDuration::from_ns(1));
    let s = c.arrive(t(0), 'a', SimDuration::from_ns(10)).unwrap();
    assert!(c.arrive_expirable(t(1), 'b', SimDuration::from_ns(10)).is_none());
    assert!(c.arrive(t(2), 'c', SimDuration::from_ns(10)).is_none());
    let (_, next) = done(&mut c, t(10), s);
    let sb = next.unwrap();
    assert_eq!(sb.done_at, t(11));
    let (fb, next) = done(&mut c, t(11), sb);
    assert!(fb.expired && fb.job == 'b');
    let sc = next.unwrap();
    let (fc, _) = done(&mut c, sc.done_at, sc);
    assert!(!fc.expired);
}

#[test]
fn unlimited_centre_never_queues() {
    let mut c = ServiceCentre::unlimited(2, t(0));
    let d = SimDuration::from_ns(10);
    for i in 0..5 {
        assert_eq!(c.arrive(t(i), i, d).map(|s| s.done_at), Some(t(i + 10)));
    }
    // 5 busy servers on 2 nominal: utilisation measured against 2 exceeds 1.
    assert_eq!(c.busy(), 5);
    assert_eq!(c.servers(), 2);
}

#[test]
fn drain_empties_the_centre_and_stales_completions() {
    let mut c = ServiceCentre::new(1, t(0));
    let s = c.arrive(t(0), 'a', SimDuration::from_ns(10)).unwrap();
    assert!(c.arrive(t(1), 'b', SimDuration::from_ns(10)).is_none());
    let mut lost = Vec::new();
    c.drain(t(2), &mut lost);
    assert_eq!(lost, vec!['a', 'b']);
    assert!(c.complete(t(10), s.slot, s.gen).is_none());
    assert_eq!((c.busy(), c.queue_len()), (0, 0));
    assert!(c.arrive(t(3), 'c', SimDuration::from_ns(1)).is_some());
}

#[test]
fn slowdown_scales_demand() {
    let mut c = ServiceCentre::new(1, t(0));
    c.set_slowdown(2.0);
    let s = c.arrive(t(0), (), SimDuration::from_ns(10)).unwrap();
    assert_eq!(s.done_at, t(20));
}

#[test]
fn a_centre_without_latency_serves_alike_and_records_no_times() {
    let (mut a, mut b) = (ServiceCentre::new(1, t(0)), ServiceCentre::new(1, t(0)).without_latency());
    for c in [&mut a, &mut b] {
        let s = c.arrive(t(0), 'a', SimDuration::from_ns(10)).unwrap();
        assert!(c.arrive(t(1), 'b', SimDuration::from_ns(10)).is_none());
        let (_, next) = c.complete(t(10), s.slot, s.gen).unwrap();
        assert_eq!(next.unwrap().done_at, t(20));
    }
    assert_eq!((a.stats().wait.count(), a.stats().sojourn.count()), (2, 1));
    assert_eq!((b.stats().wait.count(), b.stats().sojourn.count()), (0, 0));
    assert_eq!(a.stats().busy.integral(t(20)), b.stats().busy.integral(t(20)));
}
