import Foundation
import Tensor

/// A model exported from PyTorch/open_clip in the fixtures' layout: `/params/<name>` holds
/// `model.state_dict()` under open_clip names and shapes, and the root attribute `config` is the model
/// configuration as JSON.
public struct OpenCLIPExport {
    /// The model configuration (JSON text, as stored).
    public var config: String
    /// Every tensor of the state dict by open_clip name.
    public var params: [String: Tensor]

    /// Creates an export value.
    public init(config: String, params: [String: Tensor]) {
        self.config = config
        self.params = params
    }

    /// The number of parameters (elements over all tensors).
    public var parameterCount: Int { params.values.reduce(0) { $0 + $1.count } }

    /// Reads an export. Throws an `HDF5Error` naming the file when it is missing, not HDF5, an alip
    /// checkpoint instead, or lacks `/params` or the `config` attribute.
    public static func read(from url: URL) throws -> OpenCLIPExport {
        let file = try HDF5File(reading: url)
        if file.hasAttribute("format"), (try? file.stringAttribute("format")) == Checkpoint.format {
            throw HDF5Error(file: url, "is an alip checkpoint, not an open_clip export; read it with Checkpoint.read(from:)")
        }
        guard file.isGroup("/params") else {
            throw HDF5Error(file: url, object: "/params",
                            "no such group; an open_clip export has /params/<name> datasets and a root 'config' attribute")
        }
        let config = try file.stringAttribute("config")
        return OpenCLIPExport(config: config, params: try file.tensors(under: "/params"))
    }
}
