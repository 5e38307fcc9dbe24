/* Integer work with global atomics: item i hashes its index (and a seed)
 * through `rounds` rounds of a 32-bit mixing function, then counts the top 8
 * bits of the hash in a 256-bin histogram with atomic_inc. Every item writes
 * to one of only 256 counters, so the atomics contend; the result must equal
 * the sequential count exactly. */

/* The "lowbias32" finaliser (Chris Wellons' hash prospector): every input bit
 * affects every output bit. Not named mix: that is an OpenCL built-in. */
uint hash_round(uint h)
{
    h ^= h >> 16;
    h *= 0x7feb352dU;
    h ^= h >> 15;
    h *= 0x846ca68bU;
    h ^= h >> 16;
    return h;
}

__kernel void histogram(__global uint *bins, const uint seed, const uint rounds)
{
    uint h = (uint)get_global_id(0) ^ seed;
    for (uint r = 0; r < rounds; r++)
        h = hash_round(h + r);
    atomic_inc(&bins[h >> 24]);
}
