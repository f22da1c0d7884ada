// Test support: a shared library without C_GetFunctionList.
extern "C" __attribute__((visibility("default"))) int not_a_pkcs11_module() {
  return 42;
}
