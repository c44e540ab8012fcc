import Components

/// Shared parameter handling for the image transforms.
enum TransformSupport {
    /// The `size` parameter spec: optional, defaulting to the dataset's `image_size`.
    static let sizeSpec = ParameterSpec("size", .int, default: nil, range: 1...8192, optional: true,
                                        doc: "output side in pixels (default: the dataset's image_size)")

    /// The configured size, else the `image_size` fact the dataset published.
    static func size(_ config: ComponentConfig, _ context: BuildContext) throws -> Int {
        if let s = config.optionalInt("size") { return s }
        if let s = context.facts["image_size"] { return s }
        throw ComponentError(path: config.path, "'size' is not set and no dataset has published image_size; set size")
    }
}
