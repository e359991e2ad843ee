// Helpers for tests against the real local S3 server that scripts/test.sh
// starts (its exports are in the environment).
#pragma once

#include "s3loop/exec/run_once.hpp"
#include "s3loop/s3/client.hpp"

#include <gtest/gtest.h>

#include <memory>
#include <string>

namespace s3loop::testing {

// Credentials, endpoint and CA from the environment, as the CLI reads them.
// Fails the test (not skips) when no server is configured.
std::unique_ptr<s3::ClientShared> live_client_shared();

// A bucket name no other test uses.
std::string unique_bucket(const std::string& stem);

// Creates `bucket` and PUTs `count` small objects under `prefix`, 32 at a time.
void seed_objects(s3::ClientShared& shared, const std::string& bucket, const std::string& prefix,
                  int count);

// Every key under prefix, through a plain sequential listing.
std::vector<s3::ObjectInfo> list_all(s3::ClientShared& shared, const std::string& bucket,
                                     const std::string& prefix);

}  // namespace s3loop::testing
