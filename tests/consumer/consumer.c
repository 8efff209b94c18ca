/* A user's program: built against an installed clrelu only. */
#include <clrelu.h>
#include <stdio.h>
#include <string.h>

int main(void) {
  if (clrelu_version() != CLRELU_VERSION_NUMBER) {
    printf("version mismatch: header %d, library %u\n", CLRELU_VERSION_NUMBER,
           clrelu_version());
    return 1;
  }
  const float x[4] = {-1.0f, 2.0f, -0.0f, 0.5f};
  float y[4];
  clrelu_cpu_relu(x, y, 4);
  clrelu_context *ctx;
  clrelu_status st = clrelu_context_create(NULL, &ctx);
  if (st == CLRELU_SUCCESS) {
    clrelu_buffer *b;
    st = clrelu_buffer_create(ctx, CLRELU_F32, 4, &b);
    if (st == CLRELU_SUCCESS) {
      clrelu_buffer_write(b, 0, 4, x);
      clrelu_relu(ctx, b, b, 4);
      float d[4];
      st = clrelu_buffer_read(b, 0, 4, d);
      if (memcmp(d, y, sizeof d) != 0)
        st = CLRELU_ERROR_OPENCL;
      clrelu_buffer_destroy(b);
    }
    clrelu_context_destroy(ctx);
  }
  printf("consumer: %s (%s)\n", clrelu_status_string(st), clrelu_last_error());
  return st != CLRELU_SUCCESS;
}
