//! Outage accounting from what a subscriber can do: no working edge, no path from its Bono
//! to a live Sprout, or no valid binding — whichever event caused it.

use cwsim::model::clearwater::{ClearwaterResult, OutageCause};

use crate::faults::run1;

/// Every subscriber's total outage (s) and the cause its first outage started with.
fn per_subscriber(r: &ClearwaterResult) -> Vec<(u32, f64, OutageCause, f64)> {
    let mut out: std::collections::BTreeMap<u32, (f64, OutageCause, f64)> = Default::default();
    for o in &r.outages {
        let e = out.entry(o.ue).or_insert((0.0, o.cause, o.start.as_secs_f64()));
        e.0 += o.end.since(o.start).as_secs_f64();
    }
    out.into_iter().map(|(ue, (total, cause, start))| (ue, total, cause, start)).collect()
}

#[test]
fn subscribers_whose_bono_has_no_sprout_are_out_until_it_reconnects() {
    // One site, one Bono; a firewall drops Bono → Sprout SIP (ports 5052 and 5054) from
    // 300 s to 400 s. No subscriber loses its edge or its binding (registrations last an
    // hour), yet none can call: its Bono has no path to a Sprout. Each is out from 300 s
    // until the Bono holds a connection again: at 400 s, or — if its transaction timers had
    // meanwhile blacklisted both Sprouts and emptied the pool — at its next recycle, within
    // a second.
    let r = run1(
        "[simulation]\nduration = \"600s\"\n[sip]\nreg_max_expires = \"1h\"\n\
         [[site]]\nname = \"a\"\nbono = { nodes = 1 }\nsprout = { nodes = 2, cores = 2 }\nhomestead = { nodes = 1, cores = 2 }\n\
         [load]\nprofile = \"core-only\"\nsubscribers = 2000\nbhca = 0\n\
         [[fault]]\nat = \"300s\"\nuntil = \"400s\"\nkind = \"block-port\"\nfrom = \"bono\"\nto = \"sprout\"\nport = 5054\n\
         [[fault]]\nat = \"300s\"\nuntil = \"400s\"\nkind = \"block-port\"\nfrom = \"bono\"\nto = \"sprout\"\nport = 5052\n",
    );
    let out = per_subscriber(&r);
    assert_eq!(out.len(), 2000, "every subscriber is affected");
    for (ue, total, cause, start) in out {
        assert_eq!(cause, OutageCause::NoSproutPath, "subscriber {ue}");
        assert_eq!(start, 300.0);
        assert!((100.0..=101.0).contains(&total), "subscriber {ue} out {total} s");
    }
    assert!(r.outages.iter().all(|o| !o.open));
}

#[test]
fn a_binding_that_lapses_unrenewed_is_an_outage_even_with_no_pop() {
    // Core-only, no Bono. The only Homestead dies silently from 300 s to 1150 s: refreshes
    // (which need UAR and SAR) fail, and so does the expiry task a Chronos pop starts (it
    // reads the registration data first), so no binding is ever removed — yet each lapses.
    // Bindings last 600 s and were last renewed at the subscriber's refresh in (0, 300] s
    // (every 300 s, uniform phase): each lapses in (600, 900] s, and that is when its
    // outage starts, as a lapsed binding.
    let r = run1(
        "[simulation]\nduration = \"1200s\"\n[sip]\nreg_max_expires = \"600s\"\n\
         [[site]]\nname = \"a\"\nbono = { nodes = 0 }\nsprout = { nodes = 2, cores = 2 }\nhomestead = { nodes = 1, cores = 2 }\n\
         [load]\nprofile = \"core-only\"\nsubscribers = 2000\nbhca = 0\nreregisters_per_hour = 12\n\
         [[fault]]\nat = \"300s\"\nuntil = \"1150s\"\nkind = \"node-crash\"\nsite = \"a\"\ntier = \"homestead\"\nindex = 0\nmode = \"silent\"\n",
    );
    let out = per_subscriber(&r);
    assert!(out.len() >= 1990, "nearly every subscriber lapses: {}", out.len());
    for (ue, _, cause, start) in out {
        assert_eq!(cause, OutageCause::BindingExpired, "subscriber {ue}");
        assert!((600.0..=901.0).contains(&start), "subscriber {ue} out from {start} s");
    }
    assert_eq!(r.counters.bindings_expired, 0, "no expiry task removed a binding");
}
