#pragma once
// gtest assertions for Result<T>: print the error message on failure.
#include <gtest/gtest.h>

#define ASSERT_OK(expr)                                                              \
    do {                                                                             \
        const auto& shiplog_result_ = (expr);                                        \
        ASSERT_TRUE(shiplog_result_.has_value()) << shiplog_result_.error().message; \
    } while (0)

#define EXPECT_OK(expr)                                                              \
    do {                                                                             \
        const auto& shiplog_result_ = (expr);                                        \
        EXPECT_TRUE(shiplog_result_.has_value()) << shiplog_result_.error().message; \
    } while (0)
