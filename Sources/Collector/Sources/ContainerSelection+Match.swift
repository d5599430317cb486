import Spec

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif

extension ContainerSelection {
    /// Whether the cgroup at `path`, of `kind` and called `name`, is read: never when `exclude` matches; with
    /// `include`, only what it matches (a cgroup that is neither container nor service only by a `/` pattern);
    /// without, every container, and every service with `services`.
    func selects(path: String, kind: CgroupKind, name: String) -> Bool {
        func matches(_ pattern: String) -> Bool {
            pattern.hasPrefix("/") ? fnmatch(pattern, path, 0) == 0 : fnmatch(pattern, name, 0) == 0
        }
        if exclude.contains(where: matches) { return false }
        if case .other = kind { return include.contains { $0.hasPrefix("/") && matches($0) } }
        if !include.isEmpty { return include.contains(where: matches) }
        if case .service = kind { return services }
        return true
    }
}
