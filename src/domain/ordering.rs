//! What lists can be ordered by.

domain_enum! {
    /// The fields a list of models can be ordered by.
    ModelOrderField {
        Name => "name",
        AnnouncedOn => "announced_on",
        Parameters => "parameters",
        TrainingComputeFlop => "training_compute_flop",
        TrainingCostUsd => "training_cost_usd",
        Slug => "slug",
        TrainingDatasetSize => "training_dataset_size",
        Access => "access",
        Hardware => "hardware",
        License => "license",
        TrainingDataset => "training_dataset",
        /// By its stored spelling: DAY < MONTH < YEAR.
        AnnouncedPrecision => "announced_precision",
        /// By its stored spelling, which is also its rank: CONFIRMED < LIKELY < SPECULATIVE < UNKNOWN.
        ParametersConfidence => "parameters_confidence",
        /// As `PARAMETERS_CONFIDENCE`.
        TrainingComputeConfidence => "training_compute_confidence",
    }
}

domain_enum! {
    /// The fields a list of organizations can be ordered by.
    OrganizationOrderField {
        Name => "name",
        Country => "country",
        Slug => "slug",
        Kind => "kind",
    }
}

domain_enum! {
    /// The fields a list of capabilities can be ordered by.
    CapabilityOrderField {
        Name => "name",
        Category => "category",
        Slug => "slug",
    }
}

domain_enum! {
    /// The fields a list of datasets can be ordered by.
    DatasetOrderField {
        Name => "name",
        Size => "size",
    }
}

domain_enum! {
    /// The fields a list of risk assessments can be ordered by.
    RiskAssessmentOrderField {
        AssessedOn => "assessed_on",
        /// By rank: LOW < MEDIUM < HIGH < CRITICAL.
        Severity => "severity",
        /// By rank: LOW < MEDIUM < HIGH.
        Likelihood => "likelihood",
        Horizon => "horizon",
        Cause => "cause",
        Category => "category",
        Confidence => "confidence",
    }
}

domain_enum! {
    /// Ascending or descending. NULLs come last either way.
    OrderDirection {
        Asc => "asc",
        Desc => "desc",
    }
}
