//! The vocabularies of the analysis queries.

domain_enum! {
    /// A measure of a model's scale that trends are fitted to.
    TrendMetric {
        /// Training compute in FLOP.
        TrainingCompute => "training_compute",
        Parameters => "parameters",
    }
}

domain_enum! {
    /// What statistics can be grouped by.
    StatisticsDimension {
        /// The year the model was announced.
        Year => "year",
        /// Each of the model's organizations (a collaboration counts in each).
        Organization => "organization",
        /// Each country among the model's organizations.
        Country => "country",
        /// Each modality the model takes in.
        InputModality => "input_modality",
        /// Each modality the model gives out.
        OutputModality => "output_modality",
        Access => "access",
    }
}

domain_enum! {
    /// What risk statistics can be grouped by: the tracker's own fields and the MIT AI Risk
    /// Repository's taxonomies.
    RiskStatisticsDimension {
        Horizon => "horizon",
        Cause => "cause",
        Category => "category",
        Severity => "severity",
        /// The MIT Domain Taxonomy's subdomain.
        MitSubdomain => "mit_subdomain",
        /// The MIT Causal Taxonomy's entity.
        MitEntity => "mit_entity",
        /// The MIT Causal Taxonomy's intent.
        MitIntent => "mit_intent",
        /// The MIT Causal Taxonomy's timing.
        MitTiming => "mit_timing",
    }
}
