import Spec

/// The spec loader on any text: YAML parsing, the depth and alias guards, reading every key, validation and the
/// diagnostics' wording. Whatever the text, it returns a spec or diagnostics; it must never crash or hang.
func fuzzSpec(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    guard let data else { return 0 }
    let text = String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self)
    let result = SpecLoader.load(yaml: text, file: "fuzz.yaml", environment: ["SMS_EDGE_TOKEN": "edge-token-0123456789"])
    for diagnostic in result.diagnostics { _ = diagnostic.description }
    if let spec = result.spec { _ = spec.machines.map(\.id) }
    return 0
}
