//! The catalog's closed vocabularies. Each is stored as its `snake_case` text and exposed in
//! GraphQL as `SCREAMING_SNAKE_CASE`; declaration order is the order the domain gives them.

use sea_orm::sea_query::StringLen;

/// A closed vocabulary stored as text: a column's type (sea-orm's string-backed `ActiveEnum`, so
/// the stored text is the `snake_case` spelling), and what filters need to compare its values
/// in SQL.
pub trait Vocabulary: Copy + sea_orm::ActiveEnum<Value = String> {
    fn as_str(self) -> &'static str;
}

/// Declares a vocabulary: `Name { Variant => "text", … }` for one that is only read and
/// written through the API, `Name as text(N) { … }` for one that is also a column of at most `N`
/// characters (the length its migration gives it).
macro_rules! domain_enum {
    ($(#[$meta:meta])* $name:ident as text($len:literal) { $($(#[$vmeta:meta])* $variant:ident => $text:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord,
                 async_graphql::Enum, serde::Serialize, serde::Deserialize,
                 sea_orm::EnumIter, sea_orm::DeriveActiveEnum)]
        #[sea_orm(rs_type = "String", db_type = "String(StringLen::N(Self::STORED_LEN))")]
        pub enum $name {
            $($(#[$vmeta])* #[serde(rename = $text)] #[sea_orm(string_value = $text)] $variant),+
        }

        impl $name {
            /// The length of its columns.
            pub const STORED_LEN: u32 = $len;
        }

        impl $crate::domain::Vocabulary for $name {
            fn as_str(self) -> &'static str {
                $name::as_str(self)
            }
        }

        domain_enum!(@text $name { $($variant => $text),+ });
    };
    ($(#[$meta:meta])* $name:ident { $($(#[$vmeta:meta])* $variant:ident => $text:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord,
                 async_graphql::Enum, serde::Serialize, serde::Deserialize)]
        pub enum $name {
            $($(#[$vmeta])* #[serde(rename = $text)] $variant),+
        }

        domain_enum!(@text $name { $($variant => $text),+ });
    };
    (@text $name:ident { $($variant:ident => $text:literal),+ }) => {
        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The stored (and seed-file) spelling.
            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $text),+ }
            }

            pub fn parse(text: &str) -> Option<Self> {
                match text { $($text => Some($name::$variant),)+ _ => None }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

domain_enum! {
    /// What kind of body an organization is.
    OrganizationKind as text(20) {
        Industry => "industry",
        Academia => "academia",
        Government => "government",
        Nonprofit => "nonprofit",
        /// A collaboration of several bodies (e.g. BigScience).
        Collaboration => "collaboration",
    }
}

domain_enum! {
    /// A kind of data a model takes in or gives out.
    Modality as text(20) {
        Text => "text",
        Code => "code",
        Image => "image",
        Video => "video",
        Audio => "audio",
        Speech => "speech",
        /// Actions in an environment: robot control, game moves, computer use.
        Action => "action",
        /// Vector embeddings (e.g. CLIP's joint image-text space).
        Embedding => "embedding",
        /// Biological and chemical sequences and structures.
        Molecule => "molecule",
    }
}

domain_enum! {
    /// Whether a modality is taken in or given out.
    ModalityDirection as text(8) {
        Input => "input",
        Output => "output",
    }
}

domain_enum! {
    /// How the public can reach a model.
    Access as text(20) {
        /// Weights downloadable (whatever the license's restrictions).
        OpenWeights => "open_weights",
        /// A programmatic API.
        Api => "api",
        /// Only inside a hosted product (chat app, no API).
        Product => "product",
        /// Access limited to selected partners or researchers.
        Restricted => "restricted",
        Unreleased => "unreleased",
    }
}

domain_enum! {
    /// How sure a figure is, as Epoch AI grades its own estimates.
    Confidence as text(12) {
        /// Stated by the developer or computed from stated figures.
        Confirmed => "confirmed",
        Likely => "likely",
        Speculative => "speculative",
        Unknown => "unknown",
    }
}

domain_enum! {
    /// How precisely a date is known.
    DatePrecision as text(8) {
        Day => "day",
        Month => "month",
        Year => "year",
    }
}

domain_enum! {
    /// Broad kinds of capability.
    CapabilityCategory as text(20) {
        Language => "language",
        Reasoning => "reasoning",
        Code => "code",
        Vision => "vision",
        Audio => "audio",
        Video => "video",
        Agency => "agency",
        Science => "science",
        /// Capabilities whose main public-safety relevance is misuse.
        DualUse => "dual_use",
    }
}

domain_enum! {
    /// Whether a model shows a capability now or is expected to at 2-10x scale.
    CapabilityStatus as text(16) {
        /// Shown by this model, with evidence.
        Demonstrated => "demonstrated",
        /// Expected of a 2-10x scaled successor.
        Extrapolated => "extrapolated",
    }
}

domain_enum! {
    /// When a risk would materialise.
    RiskHorizon as text(16) {
        /// From the model as it is, today.
        Immediate => "immediate",
        /// From a 2-10x scaled successor.
        NearTerm => "near_term",
    }
}

domain_enum! {
    /// How harm comes about.
    RiskCause as text(16) {
        Accidental => "accidental",
        Malicious => "malicious",
        /// From the model's effect on markets, institutions or the balance of power.
        Structural => "structural",
    }
}

domain_enum! {
    /// What kind of harm.
    RiskCategory as text(32) {
        Disinformation => "disinformation",
        CyberOffense => "cyber_offense",
        BioChem => "bio_chem",
        FraudImpersonation => "fraud_impersonation",
        Privacy => "privacy",
        BiasHarmfulContent => "bias_harmful_content",
        AutonomyLossOfControl => "autonomy_loss_of_control",
        LaborEconomic => "labor_economic",
        ConcentrationOfPower => "concentration_of_power",
        /// Harm from trusting wrong output.
        Overreliance => "overreliance",
    }
}

domain_enum! {
    /// How bad the harm would be. Ordered LOW < MEDIUM < HIGH < CRITICAL.
    Severity as text(12) {
        Low => "low",
        Medium => "medium",
        High => "high",
        Critical => "critical",
    }
}

domain_enum! {
    /// How likely the harm is. Ordered LOW < MEDIUM < HIGH.
    Likelihood as text(12) {
        Low => "low",
        Medium => "medium",
        High => "high",
    }
}

domain_enum! {
    /// What a dataset size counts.
    SizeUnit as text(20) {
        Tokens => "tokens",
        Words => "words",
        Images => "images",
        ImageTextPairs => "image_text_pairs",
        AudioHours => "audio_hours",
        VideoHours => "video_hours",
        Other => "other",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_round_trips_and_severity_is_ordered() {
        for access in Access::ALL {
            assert_eq!(Access::parse(access.as_str()), Some(*access));
        }
        assert!(Severity::Low < Severity::Medium && Severity::High < Severity::Critical);
        assert_eq!(RiskHorizon::parse("near_term"), Some(RiskHorizon::NearTerm));
        assert_eq!(Modality::parse("Text"), None);
    }
}

domain_enum! {
    /// What a prediction is about: a capability a scaled successor would have, or a risk it
    /// would pose.
    PredictionKind as text(12) {
        /// An extrapolated capability of the model.
        Capability => "capability",
        /// A near-term risk assessment of the model.
        Risk => "risk",
    }
}

domain_enum! {
    /// Where a prediction stands.
    PredictionStatus {
        /// Recorded, waiting for a successor.
        Open => "open",
        /// Resolved against a successor (or as unresolvable).
        Resolved => "resolved",
        /// Its capability link or assessment was removed or stopped being a forecast; kept and
        /// counted, never deleted.
        Withdrawn => "withdrawn",
    }
}

domain_enum! {
    /// How a resolved prediction came out.
    PredictionOutcome as text(16) {
        /// The successor did what was predicted.
        Confirmed => "confirmed",
        /// In part.
        Partly => "partly",
        /// It did not.
        Refuted => "refuted",
        /// No successor, or no evidence, can settle it.
        Unresolvable => "unresolvable",
    }
}

domain_enum! {
    /// What the forecast record can be grouped by.
    ForecastGrouping {
        /// The UTC year of `recordedAt`.
        YearRecorded => "year_recorded",
        /// The subject model's lead organization (the first it lists).
        Organization => "organization",
        /// CAPABILITY or RISK.
        Kind => "kind",
    }
}

domain_enum! {
    /// What an editor account may do.
    EditorRole as text(12) {
        /// Edits the catalog and reviews feedback.
        Editor => "editor",
        /// Also manages editor accounts and settings.
        Admin => "admin",
    }
}

domain_enum! {
    /// What a revision did to its entry.
    RevisionAction as text(12) {
        Create => "create",
        Update => "update",
        Delete => "delete",
        Publish => "publish",
        Unpublish => "unpublish",
        /// Set the entry back to its state after an earlier revision.
        Revert => "revert",
        /// Brought a deleted entry back.
        Restore => "restore",
    }
}

domain_enum! {
    /// The kinds of things that have a history. Catalog entries have a public one (once
    /// published); editor accounts and feedback have one that editors alone may read.
    EntityType as text(40) {
        Model => "model",
        Organization => "organization",
        Capability => "capability",
        Dataset => "dataset",
        RiskAssessment => "risk_assessment",
        ComputeThreshold => "compute_threshold",
        Editor => "editor",
        Feedback => "feedback",
        /// An entry of the editors' import queue.
        ImportCandidate => "import_candidate",
        /// A prediction's resolution (the prediction itself follows its model's links and
        /// assessments).
        Prediction => "prediction",
    }
}

impl EntityType {
    /// Part of the public catalog (as opposed to private records).
    pub fn is_catalog(self) -> bool {
        !matches!(self, EntityType::Editor | EntityType::Feedback | EntityType::ImportCandidate)
    }
}

domain_enum! {
    /// What an import candidate proposes.
    ImportCandidateKind as text(12) {
        /// A row the catalog does not have, brought in as a draft.
        NewModel => "new_model",
        /// Changed figures of a published model.
        Change => "change",
    }
}

domain_enum! {
    /// Where an import candidate is in the editors' queue.
    ImportCandidateStatus as text(12) {
        /// Waiting for an editor.
        Open => "open",
        /// Published, or applied as a revision by the accepting editor.
        Accepted => "accepted",
        /// Declined; the sync proposes these values again only if the source changes them.
        Dismissed => "dismissed",
    }
}

domain_enum! {
    /// What a reader's feedback is about.
    FeedbackKind as text(20) {
        /// A model the catalog is missing (name it in `proposedModelName`).
        NewModel => "new_model",
        /// A figure or fact that is wrong.
        Correction => "correction",
        /// A comment on a risk assessment.
        RiskComment => "risk_comment",
        General => "general",
    }
}

domain_enum! {
    /// Where a submission is in the editors' review.
    FeedbackStatus as text(12) {
        /// Waiting for an editor.
        Pending => "pending",
        /// Used: the suggestion was taken up.
        Accepted => "accepted",
        Rejected => "rejected",
        /// Dealt with otherwise (answered, already fixed, duplicate).
        Resolved => "resolved",
    }
}

domain_enum! {
    /// An editor's verdict on a submission.
    FeedbackDecision {
        Accept => "accept",
        Reject => "reject",
        Resolve => "resolve",
    }
}

impl FeedbackDecision {
    pub fn status(self) -> FeedbackStatus {
        match self {
            FeedbackDecision::Accept => FeedbackStatus::Accepted,
            FeedbackDecision::Reject => FeedbackStatus::Rejected,
            FeedbackDecision::Resolve => FeedbackStatus::Resolved,
        }
    }
}

domain_enum! {
    /// The kinds of entries in the public catalog (the things `catalogChanged` reports).
    CatalogEntityType {
        Model => "model",
        Organization => "organization",
        Capability => "capability",
        Dataset => "dataset",
        RiskAssessment => "risk_assessment",
        ComputeThreshold => "compute_threshold",
        /// A prediction's resolution.
        Prediction => "prediction",
    }
}

impl CatalogEntityType {
    pub fn entity_type(self) -> EntityType {
        match self {
            CatalogEntityType::Model => EntityType::Model,
            CatalogEntityType::Organization => EntityType::Organization,
            CatalogEntityType::Capability => EntityType::Capability,
            CatalogEntityType::Dataset => EntityType::Dataset,
            CatalogEntityType::RiskAssessment => EntityType::RiskAssessment,
            CatalogEntityType::ComputeThreshold => EntityType::ComputeThreshold,
            CatalogEntityType::Prediction => EntityType::Prediction,
        }
    }

    /// The catalog kind of an entity type; `None` for private records.
    pub fn of(kind: EntityType) -> Option<Self> {
        CatalogEntityType::ALL.iter().copied().find(|c| c.entity_type() == kind)
    }
}

domain_enum! {
    /// A subdomain of the Domain Taxonomy of AI Risks, from the MIT AI Risk Repository:
    /// Slattery et al. 2024, "The AI Risk Repository" (https://airisk.mit.edu), in its
    /// April 2025 update, which added 7.6. It lets others compare the tracker's assessments
    /// with their own. Each value's description gives the subdomain's code and full name.
    MitSubdomain as text(48) {
        /// 1.1 Unfair discrimination and misrepresentation
        DiscriminationMisrepresentation => "discrimination_misrepresentation",
        /// 1.2 Exposure to toxic content
        ToxicContent => "toxic_content",
        /// 1.3 Unequal performance across groups
        UnequalPerformance => "unequal_performance",
        /// 2.1 Compromise of privacy by obtaining, leaking or correctly inferring sensitive information
        PrivacyCompromise => "privacy_compromise",
        /// 2.2 AI system security vulnerabilities and attacks
        AiSecurityVulnerabilities => "ai_security_vulnerabilities",
        /// 3.1 False or misleading information
        FalseInformation => "false_information",
        /// 3.2 Pollution of information ecosystem and loss of consensus reality
        InformationEcosystemPollution => "information_ecosystem_pollution",
        /// 4.1 Disinformation, surveillance, and influence at scale
        DisinformationSurveillanceInfluence => "disinformation_surveillance_influence",
        /// 4.2 Cyberattacks, weapon development or use, and mass harm
        CyberattacksWeaponsMassHarm => "cyberattacks_weapons_mass_harm",
        /// 4.3 Fraud, scams, and targeted manipulation
        FraudScamsManipulation => "fraud_scams_manipulation",
        /// 5.1 Overreliance and unsafe use
        OverrelianceUnsafeUse => "overreliance_unsafe_use",
        /// 5.2 Loss of human agency and autonomy
        LossOfHumanAgency => "loss_of_human_agency",
        /// 6.1 Power centralization and unfair distribution of benefits
        PowerCentralization => "power_centralization",
        /// 6.2 Increased inequality and decline in employment quality
        InequalityEmploymentQuality => "inequality_employment_quality",
        /// 6.3 Economic and cultural devaluation of human effort
        DevaluationOfHumanEffort => "devaluation_of_human_effort",
        /// 6.4 Competitive dynamics
        CompetitiveDynamics => "competitive_dynamics",
        /// 6.5 Governance failure
        GovernanceFailure => "governance_failure",
        /// 6.6 Environmental harm
        EnvironmentalHarm => "environmental_harm",
        /// 7.1 AI pursuing its own goals in conflict with human goals or values
        MisalignedGoals => "misaligned_goals",
        /// 7.2 AI possessing dangerous capabilities
        DangerousCapabilities => "dangerous_capabilities",
        /// 7.3 Lack of capability or robustness
        LackOfRobustness => "lack_of_robustness",
        /// 7.4 Lack of transparency or interpretability
        LackOfTransparency => "lack_of_transparency",
        /// 7.5 AI welfare and rights
        AiWelfareAndRights => "ai_welfare_and_rights",
        /// 7.6 Multi-agent risks
        MultiAgentRisks => "multi_agent_risks",
    }
}

impl MitSubdomain {
    /// The repository's code, e.g. "4.2".
    pub fn code(self) -> &'static str {
        const CODES: [&str; 24] = [
            "1.1", "1.2", "1.3", "2.1", "2.2", "3.1", "3.2", "4.1", "4.2", "4.3", "5.1", "5.2", "6.1", "6.2", "6.3",
            "6.4", "6.5", "6.6", "7.1", "7.2", "7.3", "7.4", "7.5", "7.6",
        ];
        CODES[MitSubdomain::ALL.iter().position(|s| *s == self).unwrap_or(0)]
    }
}

domain_enum! {
    /// Who or what causes a risk, in the Causal Taxonomy of the MIT AI Risk Repository:
    /// Slattery et al. 2024 (https://airisk.mit.edu), in its April 2025 update.
    MitEntity as text(16) {
        /// A decision or action made by humans.
        Human => "human",
        /// A decision or action made by an AI system.
        Ai => "ai",
        /// Some other reason, or ambiguous.
        Other => "other",
    }
}

domain_enum! {
    /// Whether a risk is an expected outcome of pursuing a goal, in the Causal Taxonomy of the
    /// MIT AI Risk Repository: Slattery et al. 2024 (https://airisk.mit.edu), in its
    /// April 2025 update.
    MitIntent as text(16) {
        /// An expected outcome of pursuing a goal.
        Intentional => "intentional",
        /// An unexpected outcome of pursuing a goal.
        Unintentional => "unintentional",
        /// Intent not stated, or ambiguous.
        Other => "other",
    }
}

domain_enum! {
    /// When a risk arises, in the Causal Taxonomy of the MIT AI Risk Repository:
    /// Slattery et al. 2024 (https://airisk.mit.edu), in its April 2025 update.
    MitTiming as text(16) {
        /// Before the model is deployed (in training, evaluation, or from its weights leaking).
        PreDeployment => "pre_deployment",
        /// After the model is deployed.
        PostDeployment => "post_deployment",
        /// Timing not stated, or ambiguous.
        Other => "other",
    }
}

domain_enum! {
    /// Where a model stands against a threshold.
    ThresholdStatusValue {
        /// The lower bound of the counted figure's 90% interval is at or above the threshold.
        Above => "above",
        /// The counted estimate is at or above the threshold, but its interval reaches below it
        /// or the model has no interval.
        LikelyAbove => "likely_above",
        /// The counted estimate is under the threshold, but its interval reaches the threshold or
        /// the model has no interval.
        LikelyBelow => "likely_below",
        /// The upper bound of the counted figure's 90% interval is under the threshold.
        Below => "below",
        /// The model has no training-compute estimate.
        Unknown => "unknown",
    }
}

domain_enum! {
    /// What a change to the catalog means to someone following it: the kinds a feed or a
    /// `catalogChanged` subscription can be narrowed to. One change may be of several kinds
    /// (a model added already above a threshold) or of none (a typo fixed in a description).
    ChangeKind {
        /// A model the public sees for the first time: created published, or published.
        ModelAdded => "model-added",
        /// A model's parameters, training compute (or a part or bound of it), dataset size or
        /// announced date changed.
        FiguresRevised => "figures-revised",
        /// A risk assessment added, changed, reverted or restored.
        RiskAssessed => "risk-assessed",
        /// A model's counted training compute moved to the other side of a compute threshold.
        ThresholdCrossed => "threshold-crossed",
        /// A forecast resolved against a successor. Forecasts are not recorded as such yet, so
        /// no change is of this kind: following it is accepted and hears nothing for now.
        PredictionResolved => "prediction-resolved",
    }
}
