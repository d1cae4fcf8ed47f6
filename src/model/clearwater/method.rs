//! The SIP methods the model carries.

/// SIP methods the model carries.
#[derive(Copy, Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Method {
    Register,
    Invite,
    Ack,
    Update,
    Bye,
    /// SUBSCRIBE to the reg event package (RFC 3680), `[sip] reg_event_expires`.
    Subscribe,
    /// NOTIFY of registration state, sent by Sprout to a subscribed UE.
    Notify,
}

impl Method {
    pub const COUNT: usize = 7;
    pub const ALL: [Method; Method::COUNT] =
        [Method::Register, Method::Invite, Method::Ack, Method::Update, Method::Bye, Method::Subscribe, Method::Notify];

    pub fn name(self) -> &'static str {
        match self {
            Method::Register => "register",
            Method::Invite => "invite",
            Method::Ack => "ack",
            Method::Update => "update",
            Method::Bye => "bye",
            Method::Subscribe => "subscribe",
            Method::Notify => "notify",
        }
    }

    /// In-dialog requests (a call's, or a subscription's NOTIFY) are routed without touching
    /// Homestead or memcached; the later era's LoadMonitor never refuses them.
    pub fn in_dialog(self) -> bool {
        matches!(self, Method::Ack | Method::Update | Method::Bye | Method::Notify)
    }
}
