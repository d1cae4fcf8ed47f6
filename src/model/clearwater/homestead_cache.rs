//! Homestead's cache as data: whether each subscriber is registered at Homestead and until
//! when its record is fresh. homestead.rs holds the requests and the cache rule's use.

use super::flows::HttpOp;
use super::ids::UeId;
use crate::engine::SimTime;

/// What Homestead's cache knows of each subscriber (structure of arrays).
#[derive(Clone, Debug, Default)]
pub struct HomesteadCache {
    /// The subscriber is registered at Homestead.
    registered: Vec<bool>,
    /// Until when its cached record is fresh (after that a SAR goes to the HSS again).
    fresh_until: Vec<SimTime>,
}

impl HomesteadCache {
    pub fn with_capacity(n: usize) -> Self {
        HomesteadCache { registered: Vec::with_capacity(n), fresh_until: Vec::with_capacity(n) }
    }

    pub fn add_subscriber(&mut self) {
        self.registered.push(false);
        self.fresh_until.push(SimTime::ZERO);
    }

    /// A registration as a running deployment holds it: registered, fresh until `until`.
    pub fn install(&mut self, ue: UeId, until: SimTime) {
        self.registered[ue as usize] = true;
        self.fresh_until[ue as usize] = until;
    }

    /// Whether the request goes to the HSS (with one configured).
    pub fn needs_hss(&self, op: HttpOp, ue: UeId, now: SimTime) -> bool {
        match op {
            HttpOp::Uar | HttpOp::Mar | HttpOp::Lir | HttpOp::SarDereg => true,
            HttpOp::Sar => !self.registered[ue as usize] || now >= self.fresh_until[ue as usize],
            HttpOp::RegDataCall | HttpOp::RegDataGet | HttpOp::Simservs => false,
        }
    }

    /// A SAR was answered: registered, and fresh again if it went to the HSS (or the
    /// subscriber was not registered here before).
    pub fn sar_answered(&mut self, ue: UeId, used_hss: bool, fresh_until: SimTime) {
        if used_hss || !self.registered[ue as usize] {
            self.fresh_until[ue as usize] = fresh_until;
        }
        self.registered[ue as usize] = true;
    }

    /// A deregistration SAR was answered.
    pub fn deregistered(&mut self, ue: UeId) {
        self.registered[ue as usize] = false;
    }

    pub fn bytes(&self) -> usize {
        self.registered.capacity() + self.fresh_until.capacity() * std::mem::size_of::<SimTime>()
    }
}
