//! Organizations and the kinds the bureau registers.

use serde::{Deserialize, Serialize};

/// What kind of body an organization is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OrganizationKind {
    /// 民政局
    Bureau,
    /// 社会工作服务机构
    SocialWorkAgency,
    /// 社会组织
    SocialOrganization,
    /// 志愿者协会
    VolunteerAssociation,
    /// 养老院
    CareHome,
    /// 医院
    Hospital,
    /// 捐赠方/企业
    Donor,
}

impl OrganizationKind {
    /// Every kind, in the order forms offer them.
    pub const ALL: [OrganizationKind; 7] = [
        OrganizationKind::Bureau,
        OrganizationKind::SocialWorkAgency,
        OrganizationKind::SocialOrganization,
        OrganizationKind::VolunteerAssociation,
        OrganizationKind::CareHome,
        OrganizationKind::Hospital,
        OrganizationKind::Donor,
    ];

    /// The stored and API spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            OrganizationKind::Bureau => "bureau",
            OrganizationKind::SocialWorkAgency => "social_work_agency",
            OrganizationKind::SocialOrganization => "social_organization",
            OrganizationKind::VolunteerAssociation => "volunteer_association",
            OrganizationKind::CareHome => "care_home",
            OrganizationKind::Hospital => "hospital",
            OrganizationKind::Donor => "donor",
        }
    }

    /// Parses the stored spelling.
    pub fn parse(raw: &str) -> Result<OrganizationKind, &'static str> {
        Self::ALL
            .into_iter()
            .find(|k| k.as_str() == raw.trim())
            .ok_or("err-organization-kind")
    }
}

/// A duty an organization takes on in a linked community: what its people may do there.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Duty {
    /// 卡口执勤: staff the gates of duty posts that name one.
    GateDuty,
    /// 入户走访: door-to-door visits in assigned buildings.
    DoorToDoor,
    /// 电话随访: phone follow-up of isolated households.
    FollowUp,
    /// 代购跑腿: errands for households.
    Errands,
    /// 心理疏导: psychological support.
    Counseling,
    /// 物资: finding and carrying supplies.
    Supplies,
    /// 数据: gate statistics, questionnaire tallies.
    Data,
}

impl Duty {
    /// Every duty, in the order forms offer them.
    pub const ALL: [Duty; 7] = [
        Duty::GateDuty,
        Duty::DoorToDoor,
        Duty::FollowUp,
        Duty::Errands,
        Duty::Counseling,
        Duty::Supplies,
        Duty::Data,
    ];

    /// The stored and API spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Duty::GateDuty => "gate_duty",
            Duty::DoorToDoor => "door_to_door",
            Duty::FollowUp => "follow_up",
            Duty::Errands => "errands",
            Duty::Counseling => "counseling",
            Duty::Supplies => "supplies",
            Duty::Data => "data",
        }
    }

    /// Parses the stored spelling.
    pub fn parse(raw: &str) -> Result<Duty, &'static str> {
        Self::ALL
            .into_iter()
            .find(|d| d.as_str() == raw.trim())
            .ok_or("err-duty")
    }

    /// Parses a list of duties (each once, in the order of `ALL`); none is an error, since a
    /// linkage that takes on nothing lets nobody act.
    pub fn parse_list<S: AsRef<str>>(raw: &[S]) -> Result<Vec<Duty>, &'static str> {
        if raw.len() > Self::ALL.len() * 2 {
            return Err("err-duty");
        }
        let mut out = raw
            .iter()
            .map(|d| Duty::parse(d.as_ref()))
            .collect::<Result<Vec<_>, _>>()?;
        out.sort();
        out.dedup();
        if out.is_empty() {
            return Err("err-duties-required");
        }
        Ok(out)
    }

    /// The stored form of a list: spellings joined by commas.
    pub fn join(duties: &[Duty]) -> String {
        duties
            .iter()
            .map(|d| d.as_str())
            .collect::<Vec<_>>()
            .join(",")
    }

    /// Reads the stored form back; an unknown spelling is skipped rather than failing a page.
    pub fn split(stored: &str) -> Vec<Duty> {
        stored
            .split(',')
            .filter_map(|d| Duty::parse(d).ok())
            .collect()
    }
}

/// Where a linkage stands: proposed by one side, active once the other accepts, then ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum LinkageStatus {
    /// Waiting for the other side.
    Proposed,
    /// In force: its duties let the organization's people act.
    Active,
    /// Over; kept for the record.
    Ended,
}

impl LinkageStatus {
    /// The stored spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            LinkageStatus::Proposed => "proposed",
            LinkageStatus::Active => "active",
            LinkageStatus::Ended => "ended",
        }
    }

    /// Parses the stored spelling.
    pub fn parse(raw: &str) -> Result<LinkageStatus, &'static str> {
        match raw {
            "proposed" => Ok(LinkageStatus::Proposed),
            "active" => Ok(LinkageStatus::Active),
            "ended" => Ok(LinkageStatus::Ended),
            _ => Err("err-linkage-status"),
        }
    }
}

/// The side of a linkage someone speaks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum LinkageSide {
    /// The organization (its admin).
    Organization,
    /// The community (its coordinator).
    Community,
}

impl LinkageSide {
    /// The stored spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            LinkageSide::Organization => "organization",
            LinkageSide::Community => "community",
        }
    }

    /// Parses the stored spelling.
    pub fn parse(raw: &str) -> Result<LinkageSide, &'static str> {
        match raw {
            "organization" => Ok(LinkageSide::Organization),
            "community" => Ok(LinkageSide::Community),
            _ => Err("err-linkage-side"),
        }
    }
}

/// What a proposal by someone speaking for `sides` starts as: active at once when they speak
/// for both sides (a coordinator linking an organization of their own area), else proposed.
pub fn proposal_status(speaks_for_organization: bool, speaks_for_community: bool) -> LinkageStatus {
    if speaks_for_organization && speaks_for_community {
        LinkageStatus::Active
    } else {
        LinkageStatus::Proposed
    }
}

/// Whether someone speaking for the given sides may accept a linkage proposed by `proposed_by`:
/// only the other side accepts, and only a proposal.
pub fn may_accept(
    status: LinkageStatus,
    proposed_by: LinkageSide,
    speaks_for_organization: bool,
    speaks_for_community: bool,
) -> bool {
    status == LinkageStatus::Proposed
        && match proposed_by {
            LinkageSide::Organization => speaks_for_community,
            LinkageSide::Community => speaks_for_organization,
        }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn duties_parse_once_each_and_need_one() {
        assert_eq!(
            Duty::parse_list(&["errands", "gate_duty", "errands"]),
            Ok(vec![Duty::GateDuty, Duty::Errands])
        );
        assert_eq!(Duty::parse_list::<&str>(&[]), Err("err-duties-required"));
        assert_eq!(Duty::parse_list(&["guarding"]), Err("err-duty"));
        let stored = Duty::join(&[Duty::GateDuty, Duty::Data]);
        assert_eq!(stored, "gate_duty,data");
        assert_eq!(Duty::split(&stored), [Duty::GateDuty, Duty::Data]);
        assert!(Duty::split("").is_empty());
    }

    #[test]
    fn the_other_side_accepts_a_proposal() {
        use LinkageSide::*;
        use LinkageStatus::*;
        assert_eq!(proposal_status(true, false), Proposed);
        assert_eq!(proposal_status(true, true), Active);
        assert!(may_accept(Proposed, Organization, false, true));
        assert!(
            !may_accept(Proposed, Organization, true, false),
            "not its own proposal"
        );
        assert!(may_accept(Proposed, Community, true, false));
        assert!(
            !may_accept(Active, Community, true, true),
            "only a proposal"
        );
        assert!(!may_accept(Ended, Organization, false, true));
    }
}
