//! The matching model: what Entra Connect will do with an AD object and a cloud object of its target
//! tenant that share an anchor or an address — decided here once, so that every finding about one
//! pair (duplicates DU…, sync SY…, and the sync preview later) predicts the same outcome and quotes
//! it (`predicted_outcome` in the evidence, [`Outcome::describe`] in the title).
//!
//! Order of Entra's decisions (identity-facts.md §2 "Matching", "Duplicate attribute resiliency"):
//! a hard match on the anchor wins; else a new object that collides with a group's address is an
//! export error that resiliency does not quarantine; a value that is not a soft-match key (or a
//! cloud object of another kind or already synchronised) is a plain duplicate, quarantined; a soft
//! match is not tried when `blockSoftMatchEnabled` is on (the AD object is created as a new object
//! and its duplicate values are quarantined); it is refused when the cloud object already holds an
//! ImmutableId (InvalidSoftMatch) or an admin role (Existing Admin Role Conflict); otherwise it merges.

/// What the next sync does with one AD object / cloud object pair.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Outcome {
    /// The cloud object holds the AD object's anchor: they join by hard match.
    HardMatch,
    /// Soft match (primary SMTP, or UPN when UPN soft match is on) merges the cloud object into the AD object.
    SoftMatchMerge,
    /// `blockSoftMatchEnabled` is on: no soft match; the AD object is created as a new object and its
    /// duplicate values are quarantined.
    SoftMatchBlocked,
    /// The cloud object holds an admin role: Existing Admin Role Conflict.
    AdminRoleConflict,
    /// The cloud object already holds another ImmutableId: InvalidSoftMatch.
    InvalidSoftMatch,
    /// A new user or contact colliding with a group's address: AttributeValueMustBeUnique on every cycle.
    ExportFails,
    /// A plain duplicate value: duplicate-attribute resiliency quarantines it on the newcomer.
    QuarantinedDuplicate,
}

impl Outcome {
    /// Stable kebab-case code (the evidence's `predicted_outcome`).
    pub fn code(self) -> &'static str {
        match self {
            Self::HardMatch => "hard-match",
            Self::SoftMatchMerge => "soft-match-merge",
            Self::SoftMatchBlocked => "soft-match-blocked",
            Self::AdminRoleConflict => "admin-role-conflict",
            Self::InvalidSoftMatch => "invalid-soft-match",
            Self::ExportFails => "export-fails",
            Self::QuarantinedDuplicate => "quarantined-duplicate",
        }
    }

    /// One sentence for titles and evidence (`predicted_outcome_text`).
    pub fn describe(self) -> &'static str {
        match self {
            Self::HardMatch => "joins the cloud object by hard match (same anchor)",
            Self::SoftMatchMerge => "soft match merges the cloud object into the AD object on the next sync",
            Self::SoftMatchBlocked => {
                "soft match blocked (blockSoftMatchEnabled): the AD object is created as a new object and its \
                 duplicate values are quarantined (duplicate-attribute resiliency)"
            }
            Self::AdminRoleConflict => {
                "soft match blocked (Existing Admin Role Conflict): the AD user is not joined to the cloud \
                 administrator and its export fails on every sync cycle"
            }
            Self::InvalidSoftMatch => {
                "export fails with InvalidSoftMatch: the cloud object already holds another ImmutableId"
            }
            Self::ExportFails => {
                "export error on every cycle: a new user or contact colliding with a group's address is not \
                 quarantined (known gap of duplicate-attribute resiliency; ObjectTypeMismatch / \
                 AttributeValueMustBeUnique)"
            }
            Self::QuarantinedDuplicate => {
                "quarantined duplicate: duplicate-attribute resiliency keeps the value on its holder and quarantines \
                 it on this object"
            }
        }
    }

    /// Parses a [`Outcome::code`].
    pub fn parse(code: &str) -> Option<Self> {
        [
            Self::HardMatch,
            Self::SoftMatchMerge,
            Self::SoftMatchBlocked,
            Self::AdminRoleConflict,
            Self::InvalidSoftMatch,
            Self::ExportFails,
            Self::QuarantinedDuplicate,
        ]
        .into_iter()
        .find(|o| o.code() == code)
    }
}

/// The facts about one AD object / cloud object pair that decide the outcome.
#[derive(Clone, Copy, Debug, Default)]
pub struct Pair {
    /// The cloud object holds the AD object's anchor.
    pub anchor_equal: bool,
    /// They share a soft-match key: the primary SMTP address, or the UPN while UPN soft match is not off.
    pub soft_key: bool,
    /// Same kind (user ↔ user, group ↔ group, contact ↔ contact).
    pub same_kind: bool,
    /// One side is a group and the other is not.
    pub group_clash: bool,
    /// The AD object has no cloud twin yet (a new object for Entra).
    pub ad_is_new: bool,
    /// The cloud object holds an ImmutableId (other than the AD object's anchor).
    pub cloud_has_immutable_id: bool,
    /// The cloud object is synchronised (onPremisesSyncEnabled true).
    pub cloud_synced: bool,
    /// The cloud object holds a directory role.
    pub cloud_admin: bool,
    /// The tenant's `blockSoftMatchEnabled` is on.
    pub block_soft_match: bool,
}

/// What the next sync does with the pair.
pub fn predict(p: &Pair) -> Outcome {
    if p.anchor_equal {
        return Outcome::HardMatch;
    }
    if p.group_clash && p.ad_is_new {
        return Outcome::ExportFails;
    }
    if !p.soft_key || !p.same_kind {
        return Outcome::QuarantinedDuplicate;
    }
    if p.block_soft_match {
        return Outcome::SoftMatchBlocked;
    }
    if p.cloud_has_immutable_id {
        return Outcome::InvalidSoftMatch;
    }
    if p.cloud_synced {
        return Outcome::QuarantinedDuplicate;
    }
    if p.cloud_admin {
        return Outcome::AdminRoleConflict;
    }
    Outcome::SoftMatchMerge
}

#[cfg(test)]
mod tests {
    use super::*;

    fn soft() -> Pair {
        Pair { soft_key: true, same_kind: true, ad_is_new: true, ..Default::default() }
    }

    #[test]
    fn decisions_follow_entras_order() {
        assert_eq!(predict(&soft()), Outcome::SoftMatchMerge);
        assert_eq!(predict(&Pair { anchor_equal: true, block_soft_match: true, ..soft() }), Outcome::HardMatch);
        assert_eq!(predict(&Pair { cloud_admin: true, ..soft() }), Outcome::AdminRoleConflict);
        assert_eq!(
            predict(&Pair { cloud_has_immutable_id: true, cloud_admin: true, ..soft() }),
            Outcome::InvalidSoftMatch
        );
        assert_eq!(
            predict(&Pair { block_soft_match: true, cloud_has_immutable_id: true, cloud_admin: true, ..soft() }),
            Outcome::SoftMatchBlocked
        );
        assert_eq!(predict(&Pair { soft_key: false, ..soft() }), Outcome::QuarantinedDuplicate);
        assert_eq!(predict(&Pair { group_clash: true, same_kind: false, ..soft() }), Outcome::ExportFails);
        for o in [Outcome::HardMatch, Outcome::ExportFails, Outcome::AdminRoleConflict] {
            assert_eq!(Outcome::parse(o.code()), Some(o));
        }
    }
}
