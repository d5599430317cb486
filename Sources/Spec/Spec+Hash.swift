extension Spec {
    /// 16 hex chars, stable: `StableHash` of the model's sorted-keys JSON.
    ///
    /// Secret values are never encoded (`Secret` encodes its source only), so rotating a token in the
    /// environment does not change the hash, and the hash reveals nothing about a secret.
    public var hash: String { StableHash.hex(of: self) }
}
