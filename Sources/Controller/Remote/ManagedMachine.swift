import Spec

/// What the last apply installed on a managed machine, kept in `applied.json`: how to reach it again (to remove
/// it once it leaves the spec) and what was put there (to tell drift made by hand from a change of the spec).
public struct ManagedMachine: Sendable, Codable, Equatable {
    public var access: SSHAccess
    public var binarySHA: String
    public var configSHA: String
    public var supervisor: RemoteLayout.Supervisor

    public init(access: SSHAccess, binarySHA: String, configSHA: String, supervisor: RemoteLayout.Supervisor) {
        self.access = access
        self.binarySHA = binarySHA
        self.configSHA = configSHA
        self.supervisor = supervisor
    }
}
