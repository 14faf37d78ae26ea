//! The response future of [`Cors`](crate::Cors).

use std::future::Future;
use std::pin::Pin;
use std::task::{ready, Context, Poll};

use http::Response;
use pin_project_lite::pin_project;

use crate::headers::Carried;

pin_project! {
    /// The response future of [`Cors`](crate::Cors): a preflight answer
    /// ready at once, or the inner service's response with the CORS
    /// headers added.
    pub struct ResponseFuture<F, B> {
        #[pin]
        state: State<F, B>,
    }
}

pin_project! {
    #[project = StateProj]
    enum State<F, B> {
        Answered { response: Option<Response<B>> },
        Inner { #[pin] future: F, carried: Option<Carried> },
    }
}

impl<F, B> ResponseFuture<F, B> {
    pub(crate) fn answered(response: Response<B>) -> Self {
        ResponseFuture {
            state: State::Answered {
                response: Some(response),
            },
        }
    }

    pub(crate) fn inner(future: F, carried: Carried) -> Self {
        ResponseFuture {
            state: State::Inner {
                future,
                carried: Some(carried),
            },
        }
    }
}

impl<F, B, E> Future for ResponseFuture<F, B>
where
    F: Future<Output = Result<Response<B>, E>>,
{
    type Output = Result<Response<B>, E>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        match self.project().state.project() {
            StateProj::Answered { response } => Poll::Ready(Ok(response
                .take()
                .expect("ResponseFuture polled after completion"))),
            StateProj::Inner { future, carried } => {
                let mut response = ready!(future.poll(cx))?;
                if let Some(carried) = carried.take() {
                    carried.apply(response.headers_mut());
                }
                Poll::Ready(Ok(response))
            }
        }
    }
}

impl<F, B> std::fmt::Debug for ResponseFuture<F, B> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ResponseFuture").finish_non_exhaustive()
    }
}
