//! Organizations and the kinds the bureau registers.

use crate::spelling::spelled;

spelled! {
    /// What kind of body an organization is.
    pub enum OrganizationKind("err-organization-kind") {
        /// 民政局
        Bureau = "bureau",
        /// 社会工作服务机构
        SocialWorkAgency = "social_work_agency",
        /// 社会组织
        SocialOrganization = "social_organization",
        /// 志愿者协会
        VolunteerAssociation = "volunteer_association",
        /// 养老院
        CareHome = "care_home",
        /// 医院
        Hospital = "hospital",
        /// 捐赠方/企业
        Donor = "donor",
    }
}

spelled! {
    /// A duty an organization takes on in a linked community: what its people may do there.
    #[derive(Hash, PartialOrd, Ord)]
    pub enum Duty("err-duty") {
        /// 卡口执勤: staff the gates of duty posts that name one.
        GateDuty = "gate_duty",
        /// 入户走访: door-to-door visits in assigned buildings.
        DoorToDoor = "door_to_door",
        /// 电话随访: phone follow-up of isolated households.
        FollowUp = "follow_up",
        /// 代购跑腿: errands for households.
        Errands = "errands",
        /// 心理疏导: psychological support.
        Counseling = "counseling",
        /// 物资: finding and carrying supplies.
        Supplies = "supplies",
        /// 数据: gate statistics, questionnaire tallies.
        Data = "data",
    }
}

impl Duty {
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

spelled! {
    /// Where a linkage stands: proposed by one side, active once the other accepts, then ended.
    pub enum LinkageStatus("err-linkage-status") {
        /// Waiting for the other side.
        Proposed = "proposed",
        /// In force: its duties let the organization's people act.
        Active = "active",
        /// Over; kept for the record.
        Ended = "ended",
    }
}

spelled! {
    /// The side of a linkage someone speaks for.
    pub enum LinkageSide("err-linkage-side") {
        /// The organization (its admin).
        Organization = "organization",
        /// The community (its coordinator).
        Community = "community",
    }
}

spelled! {
    /// What an organization's member is to it.
    pub enum MemberKind("err-member-kind") {
        /// 社工: a professional social worker (the one a care duty needs).
        SocialWorker = "social_worker",
        /// 志愿者: a volunteer.
        Volunteer = "volunteer",
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
