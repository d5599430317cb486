import SMSCore

/// A failed Redis operation, with a message a person can act on. Messages never contain the password.
public struct RedisError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What kind of failure, extensible like grpc's status codes.
    public struct Code: Sendable, Hashable, CustomStringConvertible {
        public let description: String
        private init(_ description: String) { self.description = description }

        /// The server answered with an error reply (`-ERR …`, `-WRONGTYPE …`).
        public static let server = Code("server")
        /// No connection: refused, reset, TLS failure, unknown host.
        public static let connection = Code("connection")
        /// The server rejected the credentials, or requires some.
        public static let authentication = Code("authentication")
        /// No connection or no reply in time.
        public static let timeout = Code("timeout")
        /// The server sent bytes that are not RESP2.
        public static let protocolViolation = Code("protocol")
        /// The URL or settings are invalid.
        public static let configuration = Code("configuration")
        /// The client was shut down.
        public static let shutdown = Code("shutdown")
    }

    public var code: Code
    public var message: String

    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { message }
}
