package io.aiaas.model.api;

import java.util.List;

/** The list format of the contract: a page of items and the cursor of the next page (null on the last). */
public record ListBody<T>(List<T> items, String nextCursor) {}
