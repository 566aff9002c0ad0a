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
