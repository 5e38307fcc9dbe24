/*
 * One step of a bitonic sort of n = 2^m keys, ascending. The host calls it
 * for every stage k = 2, 4, ..., n and, in each, every pass j = k/2, ...,
 * 1; item i compares key i with key i ^ j and orders the pair up or down
 * as bit k of i says. Keys are read and written anywhere, so the array is
 * passed whole.
 */
__kernel void bitonic_step(__global uint *keys, const uint j, const uint k)
{
    const uint i = (uint)get_global_id(0);
    const uint ixj = i ^ j;
    if (ixj <= i)
        return;
    const uint a = keys[i], b = keys[ixj];
    const int up = (i & k) == 0;
    if (up ? a > b : a < b) {
        keys[i] = b;
        keys[ixj] = a;
    }
}
