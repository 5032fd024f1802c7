//! What lists can be ordered by.

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

domain_enum! {
    /// The fields the predictions ledger can be ordered by.
    PredictionOrderField {
        /// When it was first recorded (the revision log's time).
        RecordedAt => "recorded_at",
        /// When it was resolved; predictions without a resolution come last.
        ResolvedAt => "resolved_at",
    }
}
