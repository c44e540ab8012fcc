import Tensor

/// A layer or model: a tree of modules whose parameters have dotted names exactly as open_clip's
/// `state_dict` spells them (`visual.transformer.resblocks.0.attn.in_proj_weight`).
///
/// There is no reflection: each module walks its own parameters and children with a
/// `ParameterVisitor` (`v.param("in_proj_weight", inProjWeight)`, `v.child("attn", attn)`,
/// `v.children("resblocks", resblocks)`), and the visitor builds the dotted names. That one walk serves
/// the optimizer, checkpoint save/load, the parameter count and `alip inspect`. Because `Tensor` is a
/// class, the visitor hands out the parameter objects themselves: writing a parameter's `data` updates
/// the model.
public protocol Module: AnyObject {
    /// Visits this module's parameters and child modules in a fixed order (the order of `namedParameters()`).
    func visit(_ v: ParameterVisitor)
    /// Whether the module is in training mode (`train()`/`eval()` set it on the whole tree).
    var isTraining: Bool { get set }
}

/// Walks a module tree, building dotted names: the argument of `Module.visit`.
///
/// A visitor is cheap to copy; `child`/`children` hand the child a visitor whose prefix is extended
/// by the child's name.
public struct ParameterVisitor {
    /// The dotted prefix of the module being visited (`"visual.transformer.resblocks.0."`, or `""` at the root).
    public let prefix: String
    private let onParameter: (String, Tensor) -> Void
    private let onModule: (String, any Module) -> Void

    /// A visitor at the root (empty prefix) that calls `onParameter` with the full dotted name of each
    /// parameter and `onModule` with the dotted name of each module (the root is `""`) before its parameters.
    public init(onParameter: @escaping (String, Tensor) -> Void,
                onModule: @escaping (String, any Module) -> Void = { _, _ in }) {
        self.init(prefix: "", onParameter: onParameter, onModule: onModule)
    }

    private init(prefix: String, onParameter: @escaping (String, Tensor) -> Void,
                 onModule: @escaping (String, any Module) -> Void) {
        self.prefix = prefix
        self.onParameter = onParameter
        self.onModule = onModule
    }

    /// Reports one parameter under `name` (relative to this module; it may itself contain dots, e.g. `conv1.weight`).
    public func param(_ name: String, _ tensor: Tensor) {
        onParameter(prefix + name, tensor)
    }

    /// Visits a child module under `name`.
    public func child(_ name: String, _ module: any Module) {
        let v = ParameterVisitor(prefix: prefix + name + ".", onParameter: onParameter, onModule: onModule)
        v.enter(module)
    }

    /// Visits a list of child modules as `name.0`, `name.1`, … (PyTorch's `ModuleList`).
    public func children(_ name: String, _ modules: [any Module]) {
        for (i, m) in modules.enumerated() { child("\(name).\(i)", m) }
    }

    /// Visits `module` at this visitor's own prefix (no extra name): for a model that keeps a tower's
    /// parameters at its root, as open_clip's `CLIP` keeps the text tower.
    public func inline(_ module: any Module) {
        module.visit(self)
    }

    /// Reports `module` itself, then walks it.
    func enter(_ module: any Module) {
        onModule(String(prefix.dropLast()), module)
        module.visit(self)
    }
}

extension Module {
    /// Every parameter with its dotted open_clip name, in visiting order.
    public func namedParameters() -> [(name: String, tensor: Tensor)] {
        var out: [(name: String, tensor: Tensor)] = []
        ParameterVisitor(onParameter: { out.append(($0, $1)) }).enter(self)
        return out
    }

    /// Every parameter, in visiting order (for the optimizer).
    public func parameters() -> [Tensor] { namedParameters().map(\.tensor) }

    /// The parameter called `name`, if any.
    public func parameter(named name: String) -> Tensor? {
        namedParameters().first { $0.name == name }?.tensor
    }

    /// Total number of scalar parameters.
    public var parameterCount: Int { namedParameters().reduce(0) { $0 + $1.tensor.count } }

    /// Every module of the tree with its dotted name (the root is `""`), parents before children.
    public func namedModules() -> [(name: String, module: any Module)] {
        var out: [(name: String, module: any Module)] = []
        ParameterVisitor(onParameter: { _, _ in }, onModule: { out.append(($0, $1)) }).enter(self)
        return out
    }

    /// Sets training mode (`on`) or evaluation mode on this module and all its descendants.
    public func train(_ on: Bool = true) {
        for (_, m) in namedModules() { m.isTraining = on }
    }

    /// Sets evaluation mode on the whole tree (`train(false)`).
    public func eval() { train(false) }

    /// Clears the accumulated gradient of every parameter.
    public func zeroGrad() { for p in parameters() { p.zeroGrad() } }

    /// Sets `requiresGrad` on every parameter (false freezes the module).
    public func setRequiresGrad(_ on: Bool) { for p in parameters() { p.requiresGrad = on } }
}
