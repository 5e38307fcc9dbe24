/*
 * The work-item functions, every one, for every item and every dimension
 * (0, 1, 2: past get_work_dim() too, where OpenCL defines the answers).
 * Item (x, y, z) writes its record at (z * g1 + y) * g0 + x, from its
 * absolute ids and the global sizes the host passes, as a kernel written
 * for the whole grid does: with an offset, clpool shifts the host array so
 * that this is the element of the item's index relative to the offset.
 */
typedef struct probe_rec {
    uint work_dim;
    uint global_id[3], global_size[3], global_offset[3];
    uint local_id[3], local_size[3], enqueued_local_size[3];
    uint group_id[3], num_groups[3];
    uint global_linear_id, local_linear_id;
} probe_rec;

__kernel void probe(__global probe_rec *rec, const uint g0, const uint g1)
{
    const uint x = (uint)get_global_id(0);
    const uint y = (uint)get_global_id(1);
    const uint z = (uint)get_global_id(2);
    __global probe_rec *r = &rec[(z * g1 + y) * g0 + x];
    r->work_dim = get_work_dim();
    for (uint d = 0; d < 3; d++) {
        r->global_id[d] = (uint)get_global_id(d);
        r->global_size[d] = (uint)get_global_size(d);
        r->global_offset[d] = (uint)get_global_offset(d);
        r->local_id[d] = (uint)get_local_id(d);
        r->local_size[d] = (uint)get_local_size(d);
        r->enqueued_local_size[d] = (uint)get_enqueued_local_size(d);
        r->group_id[d] = (uint)get_group_id(d);
        r->num_groups[d] = (uint)get_num_groups(d);
    }
    r->global_linear_id = (uint)get_global_linear_id();
    r->local_linear_id = (uint)get_local_linear_id();
}
