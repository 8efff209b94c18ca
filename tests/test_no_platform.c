/* With no OpenCL driver registered (CTest points OCL_ICD_VENDORS at an empty
 * directory), creating a context says so and how to install one. */
#include "testutil.h"

#include <string.h>

int main(void) {
  test_init();
  clrelu_context *ctx = (clrelu_context *)1;
  CHECK_STATUS(clrelu_context_create(NULL, &ctx), CLRELU_ERROR_NO_DEVICE);
  CHECK(ctx == NULL, "failed create left a handle");
  const char *msg = clrelu_last_error();
  printf("message: %s\n", msg);
  CHECK(strstr(msg, "no OpenCL platform") != NULL, "message: %s", msg);
  CHECK(strstr(msg, "pocl-opencl-icd") != NULL, "no install hint: %s", msg);
  CHECK_STATUS(clrelu_context_create("gpu", &ctx), CLRELU_ERROR_NO_DEVICE);
  return test_finish("test_no_platform");
}
