extension Model {
    /// What the model's dbt references read, one per line (`{{ ref('customer_ltv') }} reads
    /// "analytics"."marts"."customer_ltv"`), as a run records it (`RunRecord.reads`); nil without references.
    public var dbtReads: String? {
        dbtRelations.isEmpty
            ? nil : dbtRelations.map { "{{ \($0.reference) }} reads \($0.relation)" }.joined(separator: "\n")
    }
}
