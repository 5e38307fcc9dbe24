/*
 * Monte Carlo with a counter-based generator: each draw is a pure function
 * of (item, sample, seed), a Philox-style 2x32 generator of ten rounds, so
 * the result does not depend on how items are scheduled. mc_pi counts the
 * points of the unit square inside the quarter circle in integer
 * arithmetic (exact on every device), writes its own count and adds it to
 * a global counter; the tickets kernels are the plain counter pattern.
 */
typedef struct ctr2 {
    uint v[2];
} ctr2;

ctr2 philox_round(ctr2 c, uint key)
{
    const uint m = 0xD256D193u;
    ctr2 r;
    r.v[0] = mul_hi(m, c.v[0]) ^ key ^ c.v[1];
    r.v[1] = m * c.v[0];
    return r;
}

ctr2 philox2x32_10(ctr2 c, uint key)
{
    for (int round = 0; round < 10; round++) {
        c = philox_round(c, key);
        key += 0x9E3779B9u;
    }
    return c;
}

__kernel void mc_pi(__global uint *hits, __global uint *per_item, const uint seed,
                    const uint samples)
{
    const uint id = (uint)get_global_id(0);
    uint inside = 0;
    for (uint s = 0; s < samples; s++) {
        ctr2 c;
        c.v[0] = id;
        c.v[1] = s;
        const ctr2 r = philox2x32_10(c, seed);
        const uint x = r.v[0] >> 17, y = r.v[1] >> 17; /* 15 bits each */
        inside += x * x + y * y < (1u << 30) ? 1u : 0u;
    }
    per_item[id] = inside;
    atomic_add(&hits[0], inside);
}

__kernel void count_items(__global uint *counter)
{
    atomic_inc(counter);
}

__kernel void take_tickets(__global uint *counter, __global uint *ticket)
{
    ticket[get_global_id(0)] = atomic_inc(counter);
}
