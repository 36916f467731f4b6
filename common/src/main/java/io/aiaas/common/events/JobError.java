package io.aiaas.common.events;

/** Why a job failed: {@code type} is a problem slug ({@code unprocessable}, {@code internal}, …). */
public record JobError(String type, String detail) {}
