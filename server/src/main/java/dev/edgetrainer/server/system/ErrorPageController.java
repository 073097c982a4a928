package dev.edgetrainer.server.system;

import java.net.SocketTimeoutException;

import io.swagger.v3.oas.annotations.Hidden;
import jakarta.servlet.RequestDispatcher;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

import org.springframework.boot.webmvc.error.ErrorController;
import org.springframework.http.HttpStatus;
import org.springframework.http.HttpStatusCode;
import org.springframework.web.ErrorResponseException;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * The container's error page, in place of Spring Boot's: errors that happen outside
 * Spring MVC are forwarded here and answered by {@link ProblemHandler} like every other
 * error, and a request for {@code /error} itself (there is nothing to report) gets 404
 * rather than Spring Boot's 500 with status 999.
 */
@RestController
@Hidden
class ErrorPageController implements ErrorController {

    @RequestMapping("${server.error.path:/error}")
    void error(HttpServletRequest request, HttpServletResponse response) throws Exception {
        Object failure = request.getAttribute(RequestDispatcher.ERROR_EXCEPTION);
        if (response.isCommitted()) {
            // Answered already (a body that stopped arriving is answered 408 as Tomcat
            // reports its timeout here too).
            return;
        }
        if (failure instanceof SocketTimeoutException) {
            throw new BodyTooSlowException("the request stopped arriving (no data within the connection timeout)");
        }
        if (failure instanceof Exception exception) {
            throw exception;
        }
        Object status = request.getAttribute(RequestDispatcher.ERROR_STATUS_CODE);
        if (status instanceof Integer code && code >= 400) {
            throw new ErrorResponseException(HttpStatusCode.valueOf(code));
        }
        ErrorResponseException nothing = new ErrorResponseException(HttpStatus.NOT_FOUND);
        nothing.setDetail(
                "there is no error to report: " + request.getRequestURI() + " answers the errors of other requests");
        throw nothing;
    }

}
