package io.aiaas.common.page;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.aiaas.common.error.ApiException;
import io.aiaas.common.error.ProblemType;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.Test;

class PageRequestTest {

    @Test
    void limitDefaultsClampsAndRefuses() {
        assertEquals(20, PageRequest.of(null, null).limit());
        assertEquals(1, PageRequest.of("1", null).limit());
        assertEquals(100, PageRequest.of("100", null).limit());
        assertEquals(100, PageRequest.of("101", null).limit());
        assertEquals(100, PageRequest.of("99999999999999999999", null).limit());
        for (String bad : List.of("0", "-3", "", " 5", "five", "1.5", "0x10")) {
            ApiException e = assertThrows(ApiException.class, () -> PageRequest.of(bad, null), bad);
            assertEquals(ProblemType.INVALID_REQUEST, e.type());
        }
    }

    @Test
    void cursorsRoundTripAndForgeriesAreRefused() {
        Cursor c = new Cursor(Instant.parse("2024-05-01T10:00:00.123Z"), "ten_abc");
        assertEquals(c, Cursor.decode(c.encode()));
        String b64 = Base64.getUrlEncoder().withoutPadding().encodeToString("x|y".getBytes(StandardCharsets.UTF_8));
        String padded = Base64.getUrlEncoder().encodeToString(("2024-05-01T10:00:00.123Z|ten_abc").getBytes());
        for (String bad : List.of("", "!!!", b64, c.encode() + "A", "dGVuX2FiYw", padded + "==")) {
            assertThrows(ApiException.class, () -> Cursor.decode(bad), bad);
        }
    }

    @Test
    void pagesTellWhetherMoreFollow() {
        PageRequest request = PageRequest.of("2", null);
        assertEquals(3, request.fetchSize());
        record Row(Instant at, String id) {}
        List<Row> rows = List.of(
                new Row(Instant.parse("2024-01-03T00:00:00Z"), "c"),
                new Row(Instant.parse("2024-01-02T00:00:00Z"), "b"),
                new Row(Instant.parse("2024-01-01T00:00:00Z"), "a"));
        Page<String> page = request.page(rows, r -> new Cursor(r.at(), r.id()), Row::id);
        assertEquals(List.of("c", "b"), page.items());
        assertEquals(new Cursor(rows.get(1).at(), "b"), Cursor.decode(page.nextCursor()));
        Page<String> last = request.page(rows.subList(0, 2), r -> new Cursor(r.at(), r.id()), Row::id);
        assertNull(last.nextCursor());
    }
}
