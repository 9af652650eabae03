//! How the evidence pack's totals by product split a release's hosts by the risk register, the way
//! the summary's headline splits unsupported hosts (`store::acceptance`): a host is "risk
//! accepted" when a risk in force covers every one of its items of the release, else "no accepted
//! risk"; of those, "acceptance expired" when one of its items' acceptance has passed.

/// One host's items of one product release, read together.
#[derive(Clone, Copy, Debug)]
pub struct HostItems {
    covered: bool,
    expired: bool,
}

impl Default for HostItems {
    /// No item yet: covered until an item is not.
    fn default() -> HostItems {
        HostItems {
            covered: true,
            expired: false,
        }
    }
}

impl HostItems {
    /// Notes one item: whether a risk in force covers it, and whether its acceptance has passed.
    pub fn note(&mut self, accepted: bool, overdue: bool) {
        self.covered &= accepted;
        self.expired |= overdue;
    }
}

/// Hosts split as the summary's headline splits them, for one product release.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct HostSplit {
    /// Hosts with an item of the release no risk in force covers (expired ones included).
    pub no_accepted_risk: i64,
    /// Hosts every item of the release of which a risk in force covers.
    pub risk_accepted: i64,
    /// Of `no_accepted_risk`, hosts with an item whose acceptance has expired.
    pub acceptance_expired: i64,
}

impl HostSplit {
    /// Counts one host.
    pub fn add(&mut self, host: HostItems) {
        if host.covered {
            self.risk_accepted += 1;
        } else {
            self.no_accepted_risk += 1;
        }
        if host.expired {
            self.acceptance_expired += 1;
        }
    }

    /// Adds another batch's hosts.
    pub fn merge(&mut self, other: &HostSplit) {
        self.no_accepted_risk += other.no_accepted_risk;
        self.risk_accepted += other.risk_accepted;
        self.acceptance_expired += other.acceptance_expired;
    }
}
