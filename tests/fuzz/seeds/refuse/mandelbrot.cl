/* Escape-time Mandelbrot: item i is pixel (i % width, i / width) of the
 * region [x0, x0 + width*dx) x [y0, y0 + height*dy). Pixels inside the set run
 * all max_iter iterations and pixels far outside stop after a few, so the work
 * per item differs by orders of magnitude across the image. */
__kernel void mandelbrot(__global uint *iterations, const uint width,
                         const float x0, const float y0, const float dx, const float dy,
                         const uint max_iter)
{
    const size_t i = get_global_id(0);
    const float cx = x0 + (float)(i % width) * dx;
    const float cy = y0 + (float)(i / width) * dy;
    float x = 0.0f, y = 0.0f;
    uint n = 0;
    while (n < max_iter && x * x + y * y <= 4.0f) {
        const float xt = x * x - y * y + cx;
        y = 2.0f * x * y + cy;
        x = xt;
        n++;
    }
    iterations[i] = n;
}
