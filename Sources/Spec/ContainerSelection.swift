/// Which containers and services of a machine the `containers` group reads (`machines[].containers`).
///
/// By default every container (Docker, Podman, containerd, CRI-O) and no systemd service: reading every service's
/// cgroup each second would cost as much as the rest of the collector. `services: true` adds every service;
/// an `include` pattern that names a service (`nginx.service`, `*.service`) adds those alone. Patterns are
/// shell globs (`*`, `?`, `[…]`) matched against the name (the container's name, the unit's name); a pattern
/// that starts with `/` is matched against the cgroup's path instead (`/machine.slice/*`), and picks cgroups
/// that are neither. At most `max` are read; beyond that the collector says so once and keeps the ones it has.
public struct ContainerSelection: Sendable, Equatable, Codable {
    /// Only these (globs); empty: every container (and every service with `services`).
    public var include: [String]
    /// Never these (globs), even when included.
    public var exclude: [String]
    /// At most this many containers and services per machine.
    public var max: Int
    /// Every systemd service too, not only those an `include` pattern names.
    public var services: Bool

    public static let defaultMax = 50
    /// What a spec may ask for: each one read costs the collector a few files per tick.
    public static let maxBounds = 1...500

    public init(include: [String] = [], exclude: [String] = [], max: Int = defaultMax, services: Bool = false) {
        self.include = include
        self.exclude = exclude
        self.max = max
        self.services = services
    }

    /// Every container, no service, at most 50.
    public static let `default` = ContainerSelection()

    /// True for the defaults (what the collector needs no flag for).
    public var isDefault: Bool { self == .default }

    /// A stable text of the selection, for the collector's config hash; empty for the defaults.
    public var hashText: String {
        guard !isDefault else { return "" }
        let globs = "include=\(include.joined(separator: ","));exclude=\(exclude.joined(separator: ","))"
        return globs + ";max=\(max);services=\(services)"
    }
}
