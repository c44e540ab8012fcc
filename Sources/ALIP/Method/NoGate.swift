import Components

/// The identity gate (`none`): every weight is 1 (returns no weights) and it has no state.
public final class NoGate: Gate, Component {
    public static let typeName = "none"
    public static let summary = "no gating: every weight is 1"
    public static let parameters: [ParameterSpec] = []

    /// The identity gate.
    public init() {}
    public convenience init(config: ComponentConfig, context: BuildContext) throws { self.init() }

    public var requiredFields: [String] { [] }
    public func weigh(_ input: GateInput) -> GateOutput { GateOutput() }
    public var state: [String: Double] {
        get { [:] }
        set {}
    }
}
