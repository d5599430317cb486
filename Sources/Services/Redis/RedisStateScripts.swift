import SMSCore

/// The Lua scripts of ``RedisStateStore``, run with EVAL (Redis caches them by hash; sending the text each time
/// keeps them working across a Redis restart without a NOSCRIPT round trip).
enum RedisStateScripts {
    /// Applies one batch. KEYS: machine hash, machines sorted set. ARGV: ttl ms, machine id, received ms, sample
    /// ms, seq, n, then n field/value pairs always written (last seen, connected, rate, metadata), then the
    /// pairs written only when the batch is not older than the stored one (sample time, lag, top, values).
    /// `lastSeq` only grows; it is compared as a decimal string since Lua numbers are doubles.
    static let record = """
        local key, n = KEYS[1], tonumber(ARGV[6])
        local last = redis.call('HGET', key, 'lastSampleMs')
        local stop = 6 + 2 * n
        if not last or tonumber(last) <= tonumber(ARGV[4]) then stop = #ARGV end
        local seq, prev = ARGV[5], redis.call('HGET', key, 'lastSeq')
        if prev and (#prev > #seq or (#prev == #seq and prev > seq)) then seq = prev end
        redis.call('HSET', key, 'lastSeq', seq)
        local i = 7
        while i <= stop do
          local j = math.min(i + 999, stop)
          redis.call('HSET', key, unpack(ARGV, i, j))
          i = j + 1
        end
        redis.call('PEXPIRE', key, ARGV[1])
        redis.call('ZADD', KEYS[2], ARGV[3], ARGV[2])
        """

    /// Drops the `v:container.*` fields a batch from a collector that reads containers lacks (see
    /// `Batch.containerSeries`), when that batch is the newest stored. KEYS: machine hash. ARGV: the batch's
    /// sample time, then the fields it holds.
    static let dropGoneContainers = """
        local last = redis.call('HGET', KEYS[1], 'lastSampleMs')
        if not last or tonumber(last) ~= tonumber(ARGV[1]) then return 0 end
        local keep = {}
        for i = 2, #ARGV do keep[ARGV[i]] = true end
        local gone = {}
        for _, field in ipairs(redis.call('HKEYS', KEYS[1])) do
          if string.sub(field, 1, 12) == 'v:container.' and not keep[field] then gone[#gone + 1] = field end
        end
        if #gone > 0 then redis.call('HDEL', KEYS[1], unpack(gone)) end
        return #gone
        """

    /// Removes listed ids whose hash has expired, unless it came back meanwhile. KEYS: machines sorted set.
    /// ARGV: the hash key prefix, then the ids.
    static let prune = """
        for i = 2, #ARGV do
          if redis.call('EXISTS', ARGV[1] .. ARGV[i]) == 0 then redis.call('ZREM', KEYS[1], ARGV[i]) end
        end
        """
}
