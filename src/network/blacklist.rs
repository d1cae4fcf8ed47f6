//! Per-client blacklist of failed targets: blacklisted for `blacklist` (30 s), then
//! "graylisted" for `graylist` (30 s) during which a single request may probe the target
//! [doc 8.21; src cpp-common: baseresolver.cpp].

use crate::engine::{SimDuration, SimTime};

#[derive(Copy, Clone, Debug)]
struct Listed {
    target: u16,
    black_until: SimTime,
    gray_until: SimTime,
    probing: bool,
}

#[derive(Clone, Debug, Default)]
pub struct Blacklist {
    listed: Vec<Listed>,
}

/// How a client may use a target now.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Standing {
    Usable,
    /// Graylisted and nobody probing: this request may probe it.
    Probe,
    Avoid,
}

impl Blacklist {
    pub fn add(&mut self, now: SimTime, target: u16, black: SimDuration, gray: SimDuration) {
        let entry = Listed { target, black_until: now + black, gray_until: now + black + gray, probing: false };
        match self.listed.iter_mut().find(|l| l.target == target) {
            Some(l) => *l = entry,
            None => self.listed.push(entry),
        }
    }

    pub fn standing(&self, now: SimTime, target: u16) -> Standing {
        match self.listed.iter().find(|l| l.target == target) {
            None => Standing::Usable,
            Some(l) if now < l.black_until => Standing::Avoid,
            Some(l) if now < l.gray_until => {
                if l.probing {
                    Standing::Avoid
                } else {
                    Standing::Probe
                }
            }
            Some(_) => Standing::Usable,
        }
    }

    pub fn start_probe(&mut self, target: u16) {
        if let Some(l) = self.listed.iter_mut().find(|l| l.target == target) {
            l.probing = true;
        }
    }

    /// A request to `target` succeeded: it is whitelisted again.
    pub fn success(&mut self, target: u16) {
        self.listed.retain(|l| l.target != target);
    }

    /// A request to `target` failed and none has succeeded since (whatever its standing).
    pub fn failed_since_success(&self, target: u16) -> bool {
        self.listed.iter().any(|l| l.target == target)
    }

    pub fn is_empty(&self) -> bool {
        self.listed.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn black_then_gray_then_clear() {
        let s = |x| SimTime::ZERO + SimDuration::from_secs(x);
        let mut b = Blacklist::default();
        b.add(s(0), 4, SimDuration::from_secs(30), SimDuration::from_secs(30));
        assert_eq!(b.standing(s(29), 4), Standing::Avoid);
        assert_eq!(b.standing(s(30), 4), Standing::Probe);
        b.start_probe(4);
        assert_eq!(b.standing(s(31), 4), Standing::Avoid, "one probe at a time");
        assert_eq!(b.standing(s(60), 4), Standing::Usable);
        assert_eq!(b.standing(s(0), 5), Standing::Usable);
    }
}
