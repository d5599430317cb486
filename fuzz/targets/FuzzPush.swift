import SMSCore

@testable import Services

private let relay = EdgeRelay(clients: ClientRegistry())
private let key = PushSignature.sessionKey(token: "edge-token-0123456789", nonce: "00112233445566778899aabbccddeeff")

/// What an edge decodes from the network: the push handshake's `Authorization` header, a signed message's
/// envelope, and (behind the MAC, from a gateway holding the token) the snapshot and update JSON. Every input is
/// refused or applied; nothing may crash the edge.
func fuzzPush(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    guard let data else { return 0 }
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    _ = PushSignature.parse(String(decoding: bytes.prefix(300), as: UTF8.self))
    _ = PushSignature.open(bytes, counter: 1, key: key)
    try? relay.apply(bytes)
    _ = relay.machines()
    _ = try? relay.snapshot()
    return 0
}
